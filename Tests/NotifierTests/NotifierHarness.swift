import Basics
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

@testable import Notifier

/// The world of ``EventWorld`` and an SMTP sink, for the notifier.
struct NotifierWorld: Sendable {
    let brokers: String
    let sink: SMTPSink
    let databaseURL: String
    let database: PostgresClient
    let producer: KafkaProducer
    let tokens: TokenFactory

    static func run(_ body: @Sendable (NotifierWorld) async throws -> Void) async throws {
        let sink = try await SMTPSink()
        do {
            try await EventWorld.run(partitions: 3) { world in
                try await body(
                    NotifierWorld(
                        brokers: world.brokers, sink: sink, databaseURL: world.databaseURL, database: world.database, producer: world.producer,
                        tokens: world.tokens))
            }
        } catch {
            await sink.remove()
            throw error
        }
        await sink.remove()
    }

    /// The settings a notifier of this world runs with.
    var environment: [String: String] {
        [
            "DATABASE_URL": databaseURL, "KAFKA_BROKERS": brokers, "SMTP_URL": sink.url, "LOG_LEVEL": "warning",
            "NOTIFY_RETRY_BASE": "0.2", "NOTIFY_POLL_INTERVAL": "0.05", "NOTIFY_MAX_ATTEMPTS": "30", "KAFKA_SESSION_TIMEOUT": "6",
            "DATABASE_STARTUP_TIMEOUT": "10",
        ]
    }

    /// Runs a notifier in this process (with `settings` beside ``environment``), with a client for its routes.
    func withNotifier(settings: [String: String] = [:], _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let configuration = try testConfiguration(
            serviceName: "notifier", databaseURL: databaseURL, extra: environment.merging(settings) { _, new in new })
        let app = try buildApplication(
            configuration, try NotifierConfiguration(environment: configuration.environment), verifier: await tokens.verifier)
        try await app.test(.router, body)
    }

    /// Starts the Notifier executable (the one built beside the tests) as a process of its own,
    /// its HTTP server on a port the system picks.
    func spawnNotifier() throws -> ChildProcess {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(self.environment) { _, new in new }
        environment["PORT"] = "0"
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("notifier-\(UUID().uuidString.prefix(8)).log").path
        return try ChildProcess.spawn(builtExecutable("Notifier"), environment: environment, outputFile: log)
    }

    func user(_ name: String) -> UserProfile {
        let id = UUID()
        return UserProfile(
            userID: id, username: "\(name)_\(id.uuidString.prefix(6).lowercased())",
            email: "\(name).\(id.uuidString.prefix(6).lowercased())@example.com", bio: nil, image: nil)
    }

    func token(for user: UserProfile) async throws -> AuthenticatedUser {
        AuthenticatedUser(id: user.userID, username: user.username, token: try await tokens.validToken(username: user.username, userID: user.userID))
    }

    /// Waits until the sink holds `count` messages (or more), then a little longer, and returns them.
    func emails(atLeast count: Int, within timeout: Duration = .seconds(60)) async throws -> [ReceivedEmail] {
        _ = try await eventually(timeout: timeout, every: .milliseconds(200)) { try sink.messages().count >= count }
        try await Task.sleep(for: .seconds(1))
        return try sink.messages()
    }
}
