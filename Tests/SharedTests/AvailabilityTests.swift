import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import HTTPCore
@testable import ServiceCore

/// What a service answers while what it depends on is away: its own database (fail fast, not ready),
/// and the broker (a detail of readiness, never a reason to be out of service).
@Suite(.enabled(if: TestDatabase.adminURL != nil, "needs the test PostgreSQL (scripts/test starts it)"))
struct AvailabilityTests {
    /// A service whose database connections all go through `proxy`, with one route that needs the database.
    static func withService(
        behind proxy: TCPProxy, databaseURL: String, _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let admin = try DatabaseConfiguration(url: databaseURL, variable: "url")
        let proxied = "postgres://\(admin.username):\(admin.password ?? "")@127.0.0.1:\(proxy.port)/\(admin.database)"
        let core = ServiceCore(configuration: try testConfiguration(databaseURL: proxied))
        let router = core.makeRouter()
        core.databaseRoutes(router).get("/api/one") { _, context -> String in
            let rows = try await core.database.query("SELECT 1", logger: context.logger)
            return "\(try await rows.decode(Int.self).collect())"
        }
        let app = core.makeApplication(router: router, schema: DatabaseSchema([]))
    }

    @Test func whileTheDatabaseIsAwayItsRoutesAre503WithRetryAfterAndLivenessStaysUp() async throws {
        try await TestDatabase.withScratchDatabase { url in
            let proxy = try await TCPProxy(targetPort: try DatabaseConfiguration(url: url, variable: "url").port)
            try await Self.withService(behind: proxy, databaseURL: url) { client in
                #expect(try await client.execute(uri: "/api/one", method: .get).status == .ok)
                proxy.cut()
                // Sent at once: it waits for a connection the pool cannot open, until the monitor finds the database away.
                let waiting = try await client.execute(uri: "/api/one", method: .get)
                #expect(waiting.status == .serviceUnavailable)
                #expect(waiting.headers[.retryAfter] == "1")
                #expect(try conduitErrors(waiting.body)["body"]?.first?.hasPrefix("database unavailable") == true)
                let next = try await client.execute(uri: "/api/one", method: .get)
                #expect(next.status == .serviceUnavailable)
                #expect(next.headers[.retryAfter] == "1")
                #expect(try await client.execute(uri: "/health/ready", method: .get).status == .serviceUnavailable)
                #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok)
                #expect(try await client.execute(uri: "/metrics", method: .get).status == .ok)

                proxy.restore()
                #expect(
                    try await eventually(timeout: .seconds(30)) {
                        try await client.execute(uri: "/api/one", method: .get).status == .ok
                    })
                #expect(try await client.execute(uri: "/health/ready", method: .get).status == .ok)
            }
            await proxy.close()
        }
    }

    @Test func aServiceWithoutItsBrokerIsReadyAndSaysTheBrokerIsDown() async throws {
        try await TestDatabase.withScratchDatabase { url in
            // Nothing listens on port 1.
            let core = ServiceCore(configuration: try testConfiguration(databaseURL: url, extra: ["KAFKA_BROKERS": "127.0.0.1:1"]))
            let messaging = try core.makeMessaging()
            let router = core.makeRouter(healthDetails: [messaging.healthDetail])
            let app = core.makeApplication(router: router, schema: DatabaseSchema([]), services: [messaging.producer, messaging.brokerMonitor()])
            try await app.test(.live) { client in
                #expect(
                    try await eventually(timeout: .seconds(30)) {
                        let response = try await client.execute(uri: "/health/ready", method: .get)
                        let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                        return response.status == .ok && body?["broker"] as? String == "down" && body?["status"] as? String == "ready"
                    })
                // The gauges' values are the process's, which the other tests' services share.
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(metrics.contains("inkwell_broker_up"))
                #expect(metrics.contains("inkwell_database_up"))
            }
        }
    }
}
