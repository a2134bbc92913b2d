import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import HTTPCore
@testable import Persistence
@testable import ServiceCore

/// Databases migrated before groups, with one flat list of versions, against the real PostgreSQL
/// (each service's own order is checked in its tests, with `FlatMigrationUpgrade`).
@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct LegacyMigrationTests {
    let logger = Logger(label: "test")

    /// The groups of DatabaseTests, which flat versions 1, 2 and 3 were.
    static let schema = DatabaseSchema(
        DatabaseTests.schema.groups,
        legacyFlatOrder: [DatabaseTests.events.version(1), DatabaseTests.events.version(2), DatabaseTests.later.version(1)]
    )

    /// A scratch database where the flat runner applied the first `count` of `schema`'s legacy order
    /// under `names` (their own names unless given).
    func withFlatDatabase(
        applied count: Int, names: [String]? = nil, _ body: (PostgresClient, String) async throws -> Void
    ) async throws {
        try await TestDatabase.withScratchDatabase { url in
            let configuration = try DatabaseConfiguration(url: url, variable: "test")
            let client = PostgresClient(configuration: configuration.postgresClientConfiguration)
            try await withRunningClient(client) {
                let migrations = Self.schema.legacyFlatOrder.prefix(count).enumerated().map { index, id in
                    let migration = Self.schema.migration(id)!
                    return (name: names?[index] ?? migration.name, migration: migration)
                }
                try await client.withConnection { try await FlatMigrationUpgrade.migrateFlat(migrations, on: $0, logger: logger) }
                try await body(client, url)
            }
        }
    }

    func records(_ client: PostgresClient) async throws -> [String] {
        try await client.query("SELECT group_name || ' ' || version || ' ' || name FROM schema_migrations ORDER BY 1", logger: logger)
            .decode(String.self).collect()
    }

    func recordColumns(_ client: PostgresClient) async throws -> [String] {
        try await client.query(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'schema_migrations' ORDER BY ordinal_position",
            logger: logger
        ).decode(String.self).collect()
    }

    @Test func aFlatTableIsConvertedKeepingNamesAndTimesThenWhatIsMissingIsApplied() async throws {
        try await withFlatDatabase(applied: 2) { client, _ in
            try await client.query("UPDATE schema_migrations SET applied_at = '2024-01-02 03:04:05.123456+00' WHERE version = 1", logger: logger)
            let lines = LoggingTests.Lines()
            let watched = Logger(label: "migrations") { StructuredLogHandler(label: $0, format: .logfmt, level: .info, output: lines.output) }

            let applied = try await MigrationRunner(client: client, schema: Self.schema, logger: watched).run()

            #expect(applied == [DatabaseTests.later.version(1)])
            let notes = try await client.query("SELECT note FROM events ORDER BY id", logger: logger).decode(String.self).collect()
            #expect(notes == ["migration 1", "migration 2", "migration 3"])
            #expect(try await records(client) == ["events 1 create_events", "events 2 add_column", "later 1 slow_one"])
            let keptTime = try await client.query(
                "SELECT count(*) FROM schema_migrations WHERE group_name = 'events' AND version = 1 AND applied_at = '2024-01-02 03:04:05.123456+00'",
                logger: logger
            ).decode(Int.self).collect()
            #expect(keptTime == [1])
            let columns = try await recordColumns(client)
            #expect(columns == ["group_name", "version", "name", "applied_at"])
            // One line for the conversion, one for the migration applied.
            #expect(lines.all.count == 2, "\(lines.all)")
            #expect(
                lines.all.first { $0.contains("converted the flat schema_migrations to groups") }?.contains(#""1 -> events 1, 2 -> events 2""#)
                    == true)
            #expect(lines.all.contains { $0.contains("applying migration") && $0.contains("group=later") && $0.contains("version=1") })
            #expect(try await MigrationRunner(client: client, schema: Self.schema, logger: logger).run() == [])
        }
    }

    @Test func replicasStartingTogetherOnAFlatTableConvertItOnceAndApplyTheRestOnce() async throws {
        try await withFlatDatabase(applied: 1) { client, _ in
            let before = try await client.query("SELECT applied_at::text FROM schema_migrations", logger: logger).decode(String.self).collect()
            async let first = MigrationRunner(client: client, schema: Self.schema, logger: logger).run()
            async let second = MigrationRunner(client: client, schema: Self.schema, logger: logger).run()
            let applied = try await [first, second].sorted { $0.count < $1.count }
            #expect(applied == [[], [DatabaseTests.events.version(2), DatabaseTests.later.version(1)]])
            let notes = try await client.query("SELECT note FROM events ORDER BY id", logger: logger).decode(String.self).collect()
            #expect(notes == ["migration 1", "migration 2", "migration 3"])
            let kept = try await client.query(
                "SELECT applied_at::text FROM schema_migrations WHERE group_name = 'events' AND version = 1", logger: logger
            )
            .decode(String.self).collect()
            #expect(kept == before)
        }
    }

    @Test func aFlatVersionTheLegacyOrderDoesNotNameStopsTheRunnerAndChangesNothing() async throws {
        try await withFlatDatabase(applied: 2) { client, url in
            try await client.query("INSERT INTO schema_migrations (version, name) VALUES (7, 'from another branch')", logger: logger)
            let before = try await client.query("SELECT version || ' ' || name FROM schema_migrations ORDER BY version", logger: logger)
                .decode(String.self).collect()

            let error = await #expect(throws: MigrationRecordsError.self) {
                try await MigrationRunner(client: client, schema: Self.schema, logger: logger).run()
            }
            #expect(error == .unknownLegacyVersion(version: 7, name: "from another branch", knownVersions: 3))
            #expect(error?.description.contains("flat version 7") == true)
            let columns = try await recordColumns(client)
            #expect(columns == ["version", "name", "applied_at"])
            let after = try await client.query("SELECT version || ' ' || name FROM schema_migrations ORDER BY version", logger: logger)
                .decode(String.self).collect()
            #expect(after == before)
            let notes = try await client.query("SELECT note FROM events ORDER BY id", logger: logger).decode(String.self).collect()
            #expect(notes == ["migration 1", "migration 2"])

            // A service stops at start-up on it, rather than retrying.
            let core = ServiceCore(configuration: try testConfiguration(databaseURL: url))
            let app = core.makeApplication(router: core.makeRouter(), schema: Self.schema)
            await #expect(throws: MigrationRecordsError.self) { try await app.test(.router) { _ in } }
        }
    }

    @Test func aFlatVersionRecordedUnderAnotherNameStopsTheRunner() async throws {
        // The flat version 2 of some other code was not this service's "add_column".
        try await withFlatDatabase(applied: 2, names: ["create_events", "add_column_elsewhere"]) { client, _ in
            let error = await #expect(throws: MigrationRecordsError.self) {
                try await MigrationRunner(client: client, schema: Self.schema, logger: logger).run()
            }
            #expect(
                error
                    == .legacyNameMismatch(
                        version: 2, recorded: "add_column_elsewhere", migration: DatabaseTests.events.version(2), declared: "add_column"))
            let columns = try await recordColumns(client)
            #expect(columns == ["version", "name", "applied_at"])
        }
    }

    @Test func aFlatTableWhereTheServiceHasNoLegacyOrderStopsTheRunner() async throws {
        try await withFlatDatabase(applied: 1) { client, _ in
            let error = await #expect(throws: MigrationRecordsError.self) {
                try await MigrationRunner(client: client, schema: DatabaseTests.schema, logger: logger).run()
            }
            #expect(error == .unknownLegacyVersion(version: 1, name: "create_events", knownVersions: 0))
        }
    }

    @Test func anAppliedMigrationDeclaredUnderAnotherNameStopsTheRunnerBeforeApplyingAnything() async throws {
        try await withFlatDatabase(applied: 0) { client, _ in
            try await MigrationRunner(client: client, schema: DatabaseSchema([DatabaseTests.events]), logger: logger).run()
            let renamed = MigrationGroup("events", [DatabaseTests.events.migrations[0], Migration(name: "add_a_column", statements: [])])
            let error = await #expect(throws: MigrationRecordsError.self) {
                try await MigrationRunner(client: client, schema: DatabaseSchema([renamed, DatabaseTests.later]), logger: logger).run()
            }
            #expect(error == .nameMismatch(migration: renamed.version(2), recorded: "add_column", declared: "add_a_column"))
            let notes = try await client.query("SELECT note FROM events ORDER BY id", logger: logger).decode(String.self).collect()
            #expect(notes == ["migration 1", "migration 2"])
        }
    }
}
