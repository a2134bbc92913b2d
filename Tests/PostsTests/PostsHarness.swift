import ConduitContract
import Events
import Foundation
import HTTPKit
import Kafka
import Logging
import NIOCore
import TestSupport

@testable import Posts

/// A running posts application on a scratch database (``TestService``), consuming the test
/// broker's `users` topic in a consumer group of its own, with tokens from a ``TokenFactory`` it
/// trusts and a producer to publish events as auth's relay would.
struct PostsHarness: ServiceHarness {
    let service: TestService
    let tokens: TokenFactory
    let producer: KafkaProducer
    /// The internal listener, where other services ask about articles.
    let internalPort: ListeningPort

    static func run(articleCache: ArticleViewCache.Settings = .init(), _ body: @Sendable (PostsHarness) async throws -> Void) async throws {
        let tokens = TokenFactory()
        let internalPort = ListeningPort()
        let producer = try KafkaProducer(configuration: TestKafka.configuration(), logger: TestKafka.logger)
        try await TestService.run(TestKafka.uniqueName("posts"), environment: ["MAX_BODY_BYTES": "1048576"], beside: [producer]) { configuration in
            return try buildApplication(
                configuration, articleCache: articleCache, verifier: await tokens.verifier, onInternalListening: internalPort.record)
        } _: { service in
            try await body(PostsHarness(service: service, tokens: tokens, producer: producer, internalPort: internalPort))
        }
    }

    /// Asks the internal listener, as comments does (once it listens: it starts after the migrations).
    func sendInternal(_ path: String) async throws -> ServiceClient.Reply {
        let port = try await internalPort.wait()
        return try await ServiceClient(
            service: "posts", baseURLs: ["http://127.0.0.1:\(port)"], attemptTimeout: .seconds(30), deadline: .seconds(60), attempts: 2
        )
        .get(path, logger: Logger(label: "test"))
    }

    /// Pushes an event to the internal listener, as auth does; the answer's body.
    func push<Event: DomainEvent>(_ envelope: EventEnvelope<Event>) async throws -> [String: Bool] {
        let reply = try await pushRaw(try envelope.encoded())
        guard reply.status == 200 else { throw TestFailure("push failed: \(reply.status) \(String(buffer: reply.body))") }
        return try JSONDecoder().decode([String: Bool].self, from: Data(String(buffer: reply.body).utf8))
    }

    func pushRaw(_ payload: [UInt8]) async throws -> ServiceClient.Reply {
        let port = try await internalPort.wait()
        return try await ServiceClient(
            service: "posts", baseURLs: ["http://127.0.0.1:\(port)"], attemptTimeout: .seconds(30), deadline: .seconds(60), attempts: 1
        )
        .send(.post, "/internal/events", body: ByteBuffer(bytes: payload), logger: Logger(label: "test"))
    }

    /// Creates an article and returns it; fails the test on anything but a 201.
    func create(_ title: String, by author: AuthenticatedUser, tags: [String] = [], body: String = "It's a body.") async throws -> ArticleView {
        let tagList = tags.map { "\"\($0)\"" }.joined(separator: ",")
        let reply = try await send(
            .post, "/api/articles", as: author,
            json: #"{"article":{"title":"\#(title)","description":"About \#(title)","body":"\#(body)","tagList":[\#(tagList)]}}"#
        )
        guard reply.status == .created, let article = reply.article else { throw TestFailure("create failed: \(reply.status) \(reply.text)") }
        return article
    }
}

extension Reply {
    var article: ArticleView? { try? json(SingleArticleResponse.self).article }
    var list: MultipleArticlesResponse? { try? json(MultipleArticlesResponse.self) }
}
