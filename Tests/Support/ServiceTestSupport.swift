import Basics
import Events
import Foundation
import HTTPCore
import Kafka
import Logging
import NIOCore
import Persistence
import PostgresNIO
import ServiceCore
import ServiceLifecycle
import Settings

// Helpers for tests of Shared and of the services, against the PostgreSQL and the broker that
// scripts/test starts.

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A configuration for tests: the database is the one scripts/test started (INKWELL_TEST_DATABASE_URL),
/// or a placeholder for tests that never reach it.
public func testConfiguration(serviceName: String = "test", databaseURL: String? = nil, extra: [String: String] = [:]) throws -> ServiceConfiguration
{
    // Connections may be slow to open on a busy machine (SCRAM costs CPU): the tests wait for them.
    var environment = [
        "LOG_LEVEL": "warning", "DATABASE_STARTUP_TIMEOUT": "60", "DATABASE_CONNECT_TIMEOUT": "30", "READINESS_TIMEOUT": "1",
        "MAX_BODY_BYTES": "2048",
    ]
    environment["DATABASE_URL"] = databaseURL ?? TestDatabase.adminURL ?? "postgres://nobody@127.0.0.1:1/none"
    if let brokers = TestKafka.brokers { environment["KAFKA_BROKERS"] = brokers }
    environment.merge(extra) { _, new in new }
    return try ServiceConfiguration(serviceName: serviceName, defaultPort: 0, environment: EnvironmentReader(environment))
}

/// Scratch databases on the test cluster that scripts/test starts.
public enum TestDatabase {
    public static var adminURL: String? { ProcessInfo.processInfo.environment["INKWELL_TEST_DATABASE_URL"] }
    public static var isAvailable: Bool { adminURL != nil }

    /// Creates a database with a fresh name, runs `body` with its URL, and drops it.
    public static func withScratchDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        guard let adminURL else { throw TestFailure("INKWELL_TEST_DATABASE_URL is not set") }
        let admin = try DatabaseConfiguration(url: adminURL, variable: "INKWELL_TEST_DATABASE_URL")
        let name = "scratch_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try await withAdminConnection(admin) { connection in
            // Identifiers cannot be bound parameters; `name` is made above from [a-z0-9_] only.
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "test"))
        }
        let url = "postgres://\(admin.username):\(admin.password ?? "")@\(admin.host):\(admin.port)/\(name)"
        do {
            let result = try await body(url)
            await drop(name, admin: admin)
            return result
        } catch {
            await drop(name, admin: admin)
            throw error
        }
    }

    /// Drops a scratch database, trying a few times: `WITH (FORCE)` cannot end an autovacuum
    /// worker that happens to be in it. One left behind is harmless (the test cluster is scratch).
    private static func drop(_ name: some StringProtocol, admin: DatabaseConfiguration) async {
        for _ in 0..<10 {
            do {
                try await withAdminConnection(admin) { connection in
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: Logger(label: "test"))
                }
                return
            } catch {
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    private static func withAdminConnection(_ admin: DatabaseConfiguration, _ body: (PostgresConnection) async throws -> Void) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: admin.host, port: admin.port, username: admin.username, password: admin.password, database: admin.database, tls: .disable),
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

extension TestDatabase {
    /// A ``ServiceCore`` configured for tests (``testConfiguration(serviceName:databaseURL:extra:)``
    /// with `environment`) on a scratch database, with `schema` applied and its database client
    /// running while `body` runs.
    public static func withScratchCore<T: Sendable>(
        schema: DatabaseSchema, environment: [String: String] = [:], _ body: (ServiceCore) async throws -> T
    ) async throws -> T {
        try await withScratchDatabase { url in
            let core = ServiceCore(configuration: try testConfiguration(databaseURL: url, extra: environment))
            return try await withRunningClient(core.database) {
                try await MigrationRunner(client: core.database, schema: schema, logger: core.logger).run()
                return try await body(core)
            }
        }
    }
}

/// The broker that scripts/test started (INKWELL_TEST_KAFKA_BROKERS), and Tansu's binary for
/// tests that need a broker of their own (INKWELL_TANSU_BIN).
public enum TestKafka {
    public static var brokers: String? { ProcessInfo.processInfo.environment["INKWELL_TEST_KAFKA_BROKERS"] }
    public static var tansuBinary: String? { ProcessInfo.processInfo.environment["INKWELL_TANSU_BIN"] }
    public static var isAvailable: Bool { brokers != nil && TestDatabase.isAvailable }

    public static func configuration(brokers: String? = nil) -> KafkaConfiguration {
        KafkaConfiguration(
            bootstrapServers: brokers ?? Self.brokers ?? "127.0.0.1:1",
            clientID: "inkwell-tests",
            sessionTimeout: .seconds(6),
            partitions: 3,
            messageTimeout: .seconds(60)
        )
    }

    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    public static var logger: Logger {
        var logger = Logger(label: "kafka-tests")
        logger.logLevel = .warning
        return logger
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
public func eventually(timeout: Duration, every interval: Duration = .milliseconds(100), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}

/// Runs `services` in the background while `body` runs, then cancels them and waits for them,
/// also when `body` throws.
public func whileRunning<T: Sendable>(_ services: [any Service], _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for service in services { group.addTask { try await service.run() } }
        defer { group.cancelAll() }
        return try await body()
    }
}

/// Runs `body` while `client` runs, then stops it.
public func withRunningClient<T: Sendable>(_ client: PostgresClient, _ body: () async throws -> T) async throws -> T {
    try await whileRunning([client], body)
}

public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out: \(what)" }
}

/// Runs `body`, cancelling it and throwing `TimedOut` when it takes longer than `timeout`, so that a
/// test waiting for messages fails instead of hanging.
public func withDeadline<T: Sendable>(_ timeout: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let result = try await group.next()!.map({ $0 }) else { throw TimedOut(what: what) }
        return result
    }
}

extension AsyncSequence {
    public func collect() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }
}

/// The `errors` of a Conduit error body.
public func conduitErrors(_ body: ByteBuffer) throws -> [String: [String]] {
    let data = Data(body.readableBytesView)
    let decoded = try JSONDecoder().decode([String: [String: [String]]].self, from: data)
    guard let errors = decoded["errors"] else { throw TestFailure("no errors in \(String(decoding: data, as: UTF8.self))") }
    return errors
}

/// The events of `Event`'s type that a service wrote into its outbox, oldest first.
public func outboxEvents<Event: DomainEvent>(_: Event.Type, in database: PostgresClient) async throws -> [Event] {
    let rows = try await database.query(
        "SELECT payload FROM outbox WHERE event_type = \(Event.type) ORDER BY position", logger: Logger(label: "test"))
    var events: [Event] = []
    for try await payload in rows.decode(ByteBuffer.self) {
        events.append(try IncomingEvent(payload: Array(payload.readableBytesView)).decode(Event.self))
    }
    return events
}

extension KafkaProducer {
    /// Publishes `event` on its topic in its envelope, as a service's outbox relay would.
    public func publish<Event: DomainEvent>(_ event: Event, occurredAt: Date = Date()) async throws {
        let envelope = EventEnvelope(event, occurredAt: occurredAt)
        _ = try await send(KafkaOutgoingMessage(topic: Event.topic.rawValue, key: event.key, value: try envelope.encoded()))
    }

    /// Publishes `events` in order, on `topic` or else their own, waiting for the broker's
    /// acknowledgements only once all are enqueued.
    public func publishAll<Event: DomainEvent>(_ events: [Event], to topic: String? = nil) async throws {
        var deliveries: [Delivery] = []
        for event in events {
            let message = KafkaOutgoingMessage(topic: topic ?? Event.topic.rawValue, key: event.key, value: try EventEnvelope(event).encoded())
            deliveries.append(try enqueue(message))
        }
        for delivery in deliveries { _ = try await delivery.acknowledged() }
    }
}

/// The path of the executable `name` (a service), the one built beside the tests (or in INKWELL_BIN_DIR).
public func builtExecutable(_ name: String) -> String {
    let directory =
        ProcessInfo.processInfo.environment["INKWELL_BIN_DIR"] ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    return directory + "/" + name
}
