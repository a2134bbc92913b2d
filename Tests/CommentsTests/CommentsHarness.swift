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

@testable import Comments
@testable import Posts

/// A running posts service (live, on a port, behind a proxy the test can cut) and a comments
/// application that asks it about articles, each on a scratch database, both consuming the test
/// broker in consumer groups of their own and trusting one ``TokenFactory``.
struct CommentsHarness: Sendable {
    let client: any TestClientProtocol
    let posts: any TestClientProtocol
    let postsProxy: TCPProxy
    let database: PostgresClient
    let tokens: TokenFactory
    let producer: KafkaProducer

    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let body: ByteBuffer

        var text: String { String(buffer: body) }
        var comment: CommentView? { try? JSONDecoder().decode(SingleCommentResponse.self, from: body).comment }
        var comments: [CommentView]? { try? JSONDecoder().decode(MultipleCommentsResponse.self, from: body).comments }
        var errors: [String: [String]] { (try? conduitErrors(body)) ?? [:] }
    }

    static func run(postsURLs: (@Sendable (Int) -> String)? = nil, _ body: @Sendable (CommentsHarness) async throws -> Void) async throws {
        try await TestDatabase.withScratchDatabase { postsDatabase in
            try await TestDatabase.withScratchDatabase { commentsDatabase in
                let tokens = TokenFactory()
                let verifier = await tokens.verifier
                let internalPort = try await freePort()
                let postsConfiguration = try testConfiguration(
                    serviceName: TestKafka.uniqueName("posts"), databaseURL: postsDatabase, extra: ["INTERNAL_PORT": String(internalPort)]
                )
                let postsApp = try Posts.buildApplication(
                    postsConfiguration, try PostsConfiguration(environment: postsConfiguration.environment, publicPort: 0), verifier: verifier
                )
                try await postsApp.test(.live) { postsClient in
                    // Comments asks posts' internal listener, as in the stack.
                    let proxy = try await TCPProxy(targetPort: internalPort)
                    let configuration = try testConfiguration(
                        serviceName: TestKafka.uniqueName("comments"),
                        databaseURL: commentsDatabase,
                        extra: [
                            "POSTS_URL": postsURLs?(proxy.port) ?? "http://127.0.0.1:\(proxy.port)",
                            "POSTS_TIMEOUT": "0.5", "POSTS_DEADLINE": "1.5", "ARTICLE_CACHE_SECONDS": "0", "MAX_BODY_BYTES": "1048576",
                        ]
                    )
                    let app = try Comments.buildApplication(configuration, try CommentsConfiguration(environment: configuration.environment), verifier: verifier)
                    let database = PostgresClient(configuration: try DatabaseConfiguration(url: commentsDatabase, variable: "test").postgresClientConfiguration)
                    let producer = try KafkaProducer(configuration: TestKafka.configuration(), logger: TestKafka.logger)
                    try await whileRunning([database, producer]) {
                        try await app.test(.router) { client in
                            try await body(CommentsHarness(client: client, posts: postsClient, postsProxy: proxy, database: database, tokens: tokens, producer: producer))
                        }
                    }
                    await proxy.close()
                }
            }
        }
    }

    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, as user: AuthenticatedUser? = nil, json: String? = nil) async throws -> Reply {
        try await Self.send(client, method, uri, as: user, json: json)
    }

    /// Sends to the posts service itself.
    @discardableResult
    func sendToPosts(_ method: HTTPRequest.Method, _ uri: String, as user: AuthenticatedUser? = nil, json: String? = nil) async throws -> Reply {
        try await Self.send(posts, method, uri, as: user, json: json)
    }

    private static func send(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, as user: AuthenticatedUser?, json: String?) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let user { headers[.authorization] = "Token \(user.token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { response in
            Reply(status: response.status, body: response.body)
        }
    }

    /// An article written through posts; returns its slug.
    func article(_ title: String, by author: AuthenticatedUser) async throws -> String {
        let reply = try await sendToPosts(.post, "/api/articles", as: author, json: #"{"article":{"title":"\#(title)","description":"d","body":"b"}}"#)
        guard reply.status == .created, let slug = try? JSONDecoder().decode(SingleArticleResponse.self, from: reply.body).article.slug else {
            throw TestFailure("creating an article failed: \(reply.status) \(reply.text)")
        }
        return slug
    }

    func comment(_ body: String, on slug: String, by author: AuthenticatedUser) async throws -> CommentView {
        let reply = try await send(.post, "/api/articles/\(slug)/comments", as: author, json: #"{"comment":{"body":"\#(body)"}}"#)
        guard reply.status == .ok, let comment = reply.comment else { throw TestFailure("commenting failed: \(reply.status) \(reply.text)") }
        return comment
    }

    func publish<Event: DomainEvent>(_ event: Event) async throws {
        try await producer.publish(event)
    }

    func events<Event: DomainEvent>(_ type: Event.Type) async throws -> [Event] {
        try await outboxEvents(type, in: database)
    }

    func storedComments() async throws -> Int {
        let rows = try await database.query("SELECT count(*)::int FROM comments", logger: Logger(label: "test"))
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}

extension Optional {
    func unwrapped(_ what: String) throws -> Wrapped {
        guard let self else { throw TestFailure("\(what) is missing") }
        return self
    }
}
