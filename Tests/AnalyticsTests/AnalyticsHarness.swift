import ConduitContract
import Events
import Foundation
import HTTPKit
import Hummingbird
import HummingbirdTesting
import Kafka
import Logging
import Messaging
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Analytics

/// The world of ``EventWorld`` (its topics one partition each, so that an event published last on
/// a topic is also consumed last), for analytics.
struct AnalyticsWorld: Sendable {
    let brokers: String
    let databaseURL: String
    let database: PostgresClient
    let producer: KafkaProducer
    let tokens: TokenFactory

    static func run(_ body: @Sendable (AnalyticsWorld) async throws -> Void) async throws {
        try await EventWorld.run(partitions: 1) { world in
            try await body(
                AnalyticsWorld(
                    brokers: world.brokers, databaseURL: world.databaseURL, database: world.database, producer: world.producer, tokens: world.tokens))
        }
    }

    var environment: [String: String] {
        [
            "DATABASE_URL": databaseURL, "KAFKA_BROKERS": brokers, "LOG_LEVEL": "warning", "KAFKA_SESSION_TIMEOUT": "6",
            "KAFKA_TOPIC_PARTITIONS": "1", "READS_FLUSH_INTERVAL": "0.05", "DATABASE_STARTUP_TIMEOUT": "10",
        ]
    }

    /// Runs analytics in this process, with a client for its routes.
    func withAnalytics(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let configuration = try testConfiguration(serviceName: "analytics", databaseURL: databaseURL, extra: environment)
        let app = try buildApplication(
            configuration, try AnalyticsConfiguration(environment: configuration.environment), verifier: await tokens.verifier)
        try await app.test(.router, body)
    }

    func user(_ name: String) async throws -> AuthenticatedUser {
        let id = UUID()
        let username = "\(name)_\(id.uuidString.prefix(6).lowercased())"
        return AuthenticatedUser(id: id, username: username, token: try await tokens.validToken(username: username, userID: id))
    }

    func article(by author: AuthenticatedUser, _ title: String) -> ArticleReference {
        ArticleReference(
            articleID: UUID(), slug: "\(title.lowercased())-\(UUID().uuidString.prefix(6).lowercased())", authorID: author.id, title: title)
    }

    /// The author's numbers, once `condition` holds for them (polled; never by time alone).
    func analytics(
        of author: AuthenticatedUser, _ client: any TestClientProtocol, when condition: (AuthorAnalytics) -> Bool
    ) async throws -> AuthorAnalytics {
        var latest: AuthorAnalytics?
        let held = try await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            let reply = try await client.send(.get, "/api/analytics?days=7", as: author)
            guard reply.status == .ok else { return false }
            latest = try reply.json(AuthorAnalyticsResponse.self).analytics
            return latest.map(condition) ?? false
        }
        let numbers = try #require(latest)
        if !held { Issue.record("the numbers never reached what was expected: \(numbers.totals)") }
        return numbers
    }
}

extension TestClientProtocol {
    /// A read as the gateway's mirror sends it.
    func read(_ uri: String, token: String? = nil, cookieToken: String? = nil, address: String = "192.0.2.1", userAgent: String = "test")
        async throws
    {
        var headers: HTTPFields = [.readURI: uri, .readerAddress: address, .userAgent: userAgent]
        if let token { headers[.authorization] = "Token \(token)" }
        if let cookieToken { headers[.cookie] = "inkwell_csrf=x; inkwell_session=\(cookieToken)" }
        let response = try await executeRequest(uri: "/internal/reads", method: .post, headers: headers, body: nil)
        guard response.status == .noContent else { throw TestFailure("the counter answered \(response.status)") }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
