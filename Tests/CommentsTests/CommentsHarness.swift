import ConduitContract
import Events
import Foundation
import HTTPKit
import Hummingbird
import HummingbirdTesting
import Kafka
import Logging
import NIOCore
import TestSupport

@testable import Comments
@testable import Posts

/// A running posts service (live, on a port, behind a proxy the test can cut) and a comments
/// application that asks it about articles, each on a scratch database (``TestService``), both
/// consuming the test broker in consumer groups of their own and trusting one ``TokenFactory``.
struct CommentsHarness: ServiceHarness {
    let service: TestService
    let posts: any TestClientProtocol
    let postsProxy: TCPProxy
    let tokens: TokenFactory
    let producer: KafkaProducer
    /// Comments' internal listener, where auth pushes its users' changes.
    let internalPort: ListeningPort

    /// - Parameter postsURL: where comments finds posts; by default a proxy to posts' internal listener.
    static func run(postsURL: String? = nil, _ body: @Sendable (CommentsHarness) async throws -> Void) async throws {
        let tokens = TokenFactory()
        let internalPort = ListeningPort()
        try await TestService.run(TestKafka.uniqueName("posts"), testing: .live) { configuration in
            try Posts.buildApplication(
                configuration, verifier: await tokens.verifier,
                onInternalListening: internalPort.record
            )
        } _: { posts in
            // Comments asks posts' internal listener, as in the stack.
            let proxy = try await TCPProxy(targetPort: try await internalPort.wait())
            let environment = [
                "POSTS_URL": postsURL ?? "http://127.0.0.1:\(proxy.port)",
                "POSTS_TIMEOUT": "2", "POSTS_DEADLINE": "4", "ARTICLE_CACHE_SECONDS": "0", "MAX_BODY_BYTES": "1048576",
            ]
            let producer = try KafkaProducer(configuration: TestKafka.configuration(), logger: TestKafka.logger)
            let commentsInternalPort = ListeningPort()
            try await TestService.run(TestKafka.uniqueName("comments"), environment: environment, beside: [producer]) { configuration in
                try Comments.buildApplication(
                    configuration, try CommentsConfiguration(environment: configuration.environment), verifier: await tokens.verifier,
                    onInternalListening: commentsInternalPort.record)
            } _: { service in
                try await body(
                    CommentsHarness(
                        service: service, posts: posts.client, postsProxy: proxy, tokens: tokens, producer: producer,
                        internalPort: commentsInternalPort))
            }
            await proxy.close()
        }
    }

    /// An article written through posts; returns its slug.
    /// Writes an article titled `title` and a word of its own: every harness's comments hears every
    /// article event on the shared test broker (earlier runs' too), and its copy of the articles
    /// would take a slug from another harness's article of the same title.
    func article(_ title: String, by author: AuthenticatedUser) async throws -> String {
        let title = "\(title) \(UUID().uuidString.prefix(8).lowercased())"
        let reply = try await posts.send(.post, "/api/articles", as: author, json: #"{"article":{"title":"\#(title)","description":"d","body":"b"}}"#)
        guard reply.status == .created, let slug = try? reply.json(SingleArticleResponse.self).article.slug else {
            throw TestFailure("creating an article failed: \(reply.status) \(reply.text)")
        }
        return slug
    }

    func comment(_ body: String, on slug: String, by author: AuthenticatedUser) async throws -> CommentView {
        let reply = try await send(.post, "/api/articles/\(slug)/comments", as: author, json: #"{"comment":{"body":"\#(body)"}}"#)
        guard reply.status == .ok, let comment = reply.comment else { throw TestFailure("commenting failed: \(reply.status) \(reply.text)") }
        return comment
    }

    /// Pushes an event to comments' internal listener, as auth does; the reply's status.
    func push<Event: DomainEvent>(_ envelope: EventEnvelope<Event>) async throws -> Int {
        let port = try await internalPort.wait()
        return try await ServiceClient(
            service: "comments", baseURLs: ["http://127.0.0.1:\(port)"], attemptTimeout: .seconds(30), deadline: .seconds(60), attempts: 1
        )
        .send(.post, "/internal/events", body: ByteBuffer(bytes: try envelope.encoded()), logger: Logger(label: "test")).status
    }

    func storedComments() async throws -> Int {
        try await number("SELECT count(*)::int FROM comments")
    }
}

extension Reply {
    var comment: CommentView? { try? json(SingleCommentResponse.self).comment }
    var comments: [CommentView]? { try? json(MultipleCommentsResponse.self).comments }
}
