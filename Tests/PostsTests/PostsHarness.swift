import Events
import Foundation
import HTTPKit
import Hummingbird
import HummingbirdTesting
import Kafka
import Logging
import Persistence
import PostgresNIO
import TestSupport

@testable import Posts

/// A running posts application on a scratch database, consuming the test broker's `users` topic
/// in a consumer group of its own, with tokens from a ``TokenFactory`` it trusts.
struct PostsHarness: Sendable {
    let client: any TestClientProtocol
    let database: PostgresClient
    let tokens: TokenFactory
    let producer: KafkaProducer
    /// The internal listener, where other services ask about articles.
    let internalURL: String

    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let body: ByteBuffer

        var text: String { String(buffer: body) }
        func json<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(T.self, from: body) }
        var article: ArticleView? { try? json(SingleArticleResponse.self).article }
        var list: MultipleArticlesResponse? { try? json(MultipleArticlesResponse.self) }
        var errors: [String: [String]] { (try? conduitErrors(body)) ?? [:] }
    }

    static func run(_ body: @Sendable (PostsHarness) async throws -> Void) async throws {
        try await TestDatabase.withScratchDatabase { url in
            let tokens = TokenFactory()
            let internalPort = try await freePort()
            let configuration = try testConfiguration(
                serviceName: TestKafka.uniqueName("posts"), databaseURL: url, extra: ["MAX_BODY_BYTES": "1048576", "INTERNAL_PORT": String(internalPort)]
            )
            let posts = try PostsConfiguration(environment: configuration.environment, publicPort: configuration.port)
            let app = try buildApplication(configuration, posts, verifier: await tokens.verifier)
            let database = PostgresClient(configuration: try DatabaseConfiguration(url: url, variable: "test").postgresClientConfiguration)
            let producer = try KafkaProducer(configuration: TestKafka.configuration(), logger: TestKafka.logger)
            try await whileRunning([database, producer]) {
                try await app.test(.router) { client in
                    try await body(PostsHarness(client: client, database: database, tokens: tokens, producer: producer, internalURL: "http://127.0.0.1:\(internalPort)"))
                }
            }
        }
    }

    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, as user: AuthenticatedUser? = nil, json: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let user { headers[.authorization] = "Token \(user.token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { response in
            Reply(status: response.status, body: response.body)
        }
    }

    /// Asks the internal listener, as comments does (waiting for it to be up: it starts after the migrations).
    func sendInternal(_ path: String) async throws -> ServiceClient.Reply {
        try await ServiceClient(service: "posts", baseURLs: [internalURL], attemptTimeout: .seconds(2), deadline: .seconds(10), attempts: 20)
            .get(path, logger: Logger(label: "test"))
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

    /// Publishes an event on its topic, as auth's relay would.
    func publish<Event: DomainEvent>(_ event: Event, occurredAt: Date = Date()) async throws {
        try await producer.publish(event, occurredAt: occurredAt)
    }

    /// The events of `Event`'s type in the outbox, oldest first.
    func events<Event: DomainEvent>(_ type: Event.Type) async throws -> [Event] {
        try await outboxEvents(type, in: database)
    }
}
