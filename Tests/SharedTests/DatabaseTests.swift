import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import HTTPCore
@testable import Persistence
@testable import ServiceCore

/// Against the real PostgreSQL that scripts/test starts.
@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct DatabaseTests {
    let logger = Logger(label: "test")

    /// Not idempotent on purpose: applying any of these twice fails or leaves two rows.
    static let events = MigrationGroup(
        "events",
        [
            Migration(
                name: "create_events",
                statements: [
                    "CREATE TABLE events (id serial PRIMARY KEY, note text NOT NULL)",
                    "INSERT INTO events (note) VALUES ('migration 1')",
                ]),
            Migration(
                name: "add_column",
                statements: [
                    "ALTER TABLE events ADD COLUMN created_at timestamptz NOT NULL DEFAULT now()",
                    "INSERT INTO events (note) VALUES ('migration 2')",
                ]),
        ])
    /// A second group that depends on the first.
    static let later = MigrationGroup(
        "later",
        [
            Migration(
                name: "slow_one",
                statements: [
                    "SELECT pg_sleep(0.3)",
                    "INSERT INTO events (note) VALUES ('migration 3')",
                ])
        ])
    static let schema = DatabaseSchema([events, later])

    @Test func aStatementRunningPastTheTimeoutIsCancelledAndTheConnectionServesOn() async throws {
        let url = try #require(TestDatabase.adminURL)
        let core = ServiceCore(
            configuration: try testConfiguration(databaseURL: url, extra: ["DATABASE_STATEMENT_TIMEOUT": "0.5", "DATABASE_MAX_CONNECTIONS": "1"]))
        try await withRunningClient(core.database) {
            do {
                _ = try await core.database.query("SELECT pg_sleep(30)", logger: logger).collect()
                Issue.record("a 30 s statement ran to its end")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.sqlState] == "57014", "query_canceled: \(String(reflecting: error))")
            }
            let answer = try await core.database.query("SELECT 1", logger: logger).decode(Int.self).collect()
            #expect(answer == [1])
        }
    }

    @Test func thePostgreSQLOfTheTestsTakesPasswordsOverTCPAndHidesItsSocket() async throws {
        let admin = try DatabaseConfiguration(url: try #require(TestDatabase.adminURL), variable: "test")
        var wrong = admin
        wrong.password = "not-the-password"
        let client = PostgresClient(configuration: wrong.postgresClientConfiguration)
        await #expect(throws: (any Error).self) {
            try await withRunningClient(client) { _ = try await client.query("SELECT 1", logger: logger).collect() }
        }
        let socketFolder = try #require(ProcessInfo.processInfo.environment["INKWELL_PG_SOCKET_DIR"])
        let mode = try FileManager.default.attributesOfItem(atPath: socketFolder)[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }

    @Test func cellsReadByColumnNameRefuseAColumnOutOfOrder() async throws {
        try await TestDatabase.withScratchDatabase { url in
            let client = PostgresClient(configuration: try DatabaseConfiguration(url: url, variable: "test").postgresClientConfiguration)
            try await withRunningClient(client) {
                let row = try #require(try await client.query("SELECT 7 AS id, 'seven' AS slug", logger: logger).collect().first)
                var inOrder = PostgresCells(row)
                #expect(try inOrder.next(Int.self, column: "id") == 7)
                #expect(try inOrder.next(String.self, column: "slug") == "seven")
                var outOfOrder = PostgresCells(row)
                #expect(throws: PostgresCells.UnexpectedColumn.self) { try outOfOrder.next(String.self, column: "slug") }
            }
        }
    }

    @Test func twoInstancesStartingAtOnceApplyEachMigrationExactlyOnce() async throws {
        try await TestDatabase.withScratchDatabase { url in
            let configuration = try DatabaseConfiguration(url: url, variable: "test")
            let first = PostgresClient(configuration: configuration.postgresClientConfiguration)
            let second = PostgresClient(configuration: configuration.postgresClientConfiguration)
            try await withRunningClient(first) {
                try await withRunningClient(second) {
                    async let appliedByFirst = MigrationRunner(client: first, schema: Self.schema, logger: logger).run()
                    async let appliedBySecond = MigrationRunner(client: second, schema: Self.schema, logger: logger).run()
                    let (byFirst, bySecond) = try await (appliedByFirst, appliedBySecond)
                    // The lock lets one runner apply everything; the other finds nothing left.
                    #expect(
                        [byFirst, bySecond].sorted { $0.count < $1.count } == [
                            [], [Self.events.version(1), Self.events.version(2), Self.later.version(1)],
                        ])

                    let notes = try await first.query("SELECT note FROM events ORDER BY id", logger: logger).decode(String.self).collect()
                    #expect(notes == ["migration 1", "migration 2", "migration 3"])
                    let recorded = try await first.query(
                        "SELECT group_name, version, name FROM schema_migrations ORDER BY applied_at", logger: logger
                    )
                    .decode((String, Int, String).self).collect()
                    #expect(recorded.map { "\($0.0) \($0.1) \($0.2)" } == ["events 1 create_events", "events 2 add_column", "later 1 slow_one"])

                    // A third start finds nothing to do.
                    #expect(try await MigrationRunner(client: second, schema: Self.schema, logger: logger).run() == [])
                }
            }
        }
    }

    @Test func aFailingMigrationLeavesNoTraceAndStopsTheRun() async throws {
        try await TestDatabase.withScratchDatabase { url in
            let configuration = try DatabaseConfiguration(url: url, variable: "test")
            let client = PostgresClient(configuration: configuration.postgresClientConfiguration)
            try await withRunningClient(client) {
                let broken = MigrationGroup(
                    "events",
                    [
                        Self.events.migrations[0],
                        Migration(
                            name: "broken",
                            statements: [
                                "INSERT INTO events (note) VALUES ('half done')",
                                "SELECT * FROM no_such_table",
                            ]),
                    ])
                let error = await #expect(throws: MigrationError.self) {
                    try await MigrationRunner(client: client, schema: DatabaseSchema([broken, Self.later]), logger: logger).run()
                }
                #expect(error?.migration == broken.version(2))
                #expect(error?.description.contains(#"relation "no_such_table" does not exist"#) == true)
                let notes = try await client.query("SELECT note FROM events", logger: logger).decode(String.self).collect()
                #expect(notes == ["migration 1"])
                let versions = try await client.query("SELECT group_name, version FROM schema_migrations", logger: logger)
                    .decode((String, Int).self).collect()
                #expect(versions.map { "\($0.0) \($0.1)" } == ["events 1"])
            }
        }
    }

    @Test func theApplicationMigratesBeforeServingAndIsReady() async throws {
        try await TestDatabase.withScratchDatabase { url in
            let core = ServiceCore(configuration: try testConfiguration(databaseURL: url))
            let app = core.makeApplication(router: core.makeRouter(), schema: Self.schema)
            try await app.test(.router) { client in
                try await client.execute(uri: "/health/ready", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains("ready"))
                }
                let count = try await core.database.query("SELECT count(*) FROM schema_migrations", logger: logger).decode(Int.self).collect()
                #expect(count == [3])
            }
        }
    }

    @Test func readinessIs503NamingTheDatabaseWhenItCannotBeReached() async throws {
        // Nothing listens on port 1: the check fails the way it does while PostgreSQL is stopped.
        let core = ServiceCore(configuration: try testConfiguration(databaseURL: "postgres://nobody:x@127.0.0.1:1/none"))
        let router = core.makeRouter()
        let monitor = DatabaseMonitor(configuration: core.configuration.database, availability: core.databaseAvailability, logger: core.logger)
        let app = Application(router: router, services: [core.database, monitor], logger: core.logger)
        try await app.test(.router) { client in
            // Readiness is what the database monitor finds, once it has looked.
            let unready = try await eventually(timeout: .seconds(60)) {
                try await client.execute(uri: "/health/ready", method: .get).status == .serviceUnavailable
            }
            #expect(unready)
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let errors = try conduitErrors(response.body)
                #expect(errors["database"]?.first?.isEmpty == false)
            }
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
