import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import Testing

@testable import Shared

/// A configuration for tests: the database is the one scripts/test started (INKWELL_TEST_DATABASE_URL),
/// or a placeholder for tests that never reach it.
func testConfiguration(databaseURL: String? = nil, extra: [String: String] = [:]) throws -> ServiceConfiguration {
    var environment = ["LOG_LEVEL": "warning", "DATABASE_STARTUP_TIMEOUT": "5", "READINESS_TIMEOUT": "1", "MAX_BODY_BYTES": "2048"]
    environment["DATABASE_URL"] = databaseURL ?? TestDatabase.adminURL ?? "postgres://nobody@127.0.0.1:1/none"
    environment.merge(extra) { _, new in new }
    return try ServiceConfiguration(serviceName: "test", defaultPort: 0, environment: EnvironmentReader(environment))
}

struct Greeting: Codable, ResponseEncodable {
    struct Body: Codable {
        var name: String
        var age: Int
    }
    var greeting: Body
}

/// A router with the shared middleware and a route that decodes a body, for the HTTP behaviour tests.
func makeTestApplication(core: ServiceCore) -> some ApplicationProtocol {
    let router = core.makeRouter()
    router.post("/echo") { request, context -> Greeting in
        try await request.decode(as: Greeting.self, context: context)
    }
    router.get("/boom") { _, _ -> String in
        // Nothing listens on port 1: a real "database unreachable" error.
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: "127.0.0.1", port: 1, username: "x", password: nil, database: "x", tls: .disable),
            id: 1,
            logger: core.logger
        )
        try await connection.close()
        return "unreachable"
    }
    router.get("/crash") { _, _ -> String in
        struct Secret: Error { let sql = "SELECT password FROM users" }
        throw Secret()
    }
    return Application(router: router, logger: core.logger)
}

func conduitErrors(_ buffer: ByteBuffer) throws -> [String: [String]] {
    let decoded = try JSONDecoder().decode([String: [String: [String]]].self, from: buffer)
    return try #require(decoded["errors"])
}

/// Scratch databases on the test cluster that scripts/test starts.
enum TestDatabase {
    static var adminURL: String? { ProcessInfo.processInfo.environment["INKWELL_TEST_DATABASE_URL"] }
    static var isAvailable: Bool { adminURL != nil }

    /// Creates a database with a fresh name, runs `body` with its URL, and drops it.
    static func withScratchDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        let admin = try DatabaseConfiguration(url: try #require(adminURL), variable: "INKWELL_TEST_DATABASE_URL")
        let name = "scratch_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await withAdminConnection(admin) { connection in
            // Identifiers cannot be bound parameters; `name` is made above from [a-z0-9_] only.
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "test"))
        }
        var scratch = admin
        scratch.database = String(name)
        let url = "postgres://\(admin.username):\(admin.password ?? "")@\(admin.host):\(admin.port)/\(name)"
        do {
            let result = try await body(url)
            try await drop(name, admin: admin)
            return result
        } catch {
            try? await drop(name, admin: admin)
            throw error
        }
    }

    private static func drop(_ name: some StringProtocol, admin: DatabaseConfiguration) async throws {
        try await withAdminConnection(admin) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: Logger(label: "test"))
        }
    }

    private static func withAdminConnection(_ admin: DatabaseConfiguration, _ body: (PostgresConnection) async throws -> Void) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: admin.host, port: admin.port, username: admin.username, password: admin.password, database: admin.database, tls: .disable),
            id: 1,
            logger: Logger(label: "test")
        )
        do {
            try await body(connection)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// Runs `body` while `client` runs, then stops it.
func withRunningClient<T: Sendable>(_ client: PostgresClient, _ body: () async throws -> T) async throws -> T {
    try await whileRunning([client], body)
}

extension AsyncSequence {
    func collect() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }
}
