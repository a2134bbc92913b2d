import Logging
import Persistence
import PostgresNIO

/// Checks that a database migrated before groups upgrades to a service's ``DatabaseSchema``: in a
/// scratch database it does what the flat runner did (its table, `schema_migrations(version integer
/// PRIMARY KEY, name text, applied_at)`, and the first `flatVersions` versions of the service's legacy
/// order, each in a transaction with its row under the name it was recorded as, `flatNames[n - 1]`),
/// adds rows of `data`, then runs today's runner, and compares with a new database migrated by it.
public struct FlatMigrationUpgrade: Sendable {
    public let schema: DatabaseSchema
    /// The names the flat runner recorded, in flat order: written out by each service's test as the
    /// code before groups had them, so that a wrong legacy order shows as a name that does not fit.
    public let flatNames: [String]
    /// Rows to keep, for the tables the first flat versions make.
    public let data: [PostgresQuery]

    public init(schema: DatabaseSchema, flatNames: [String], data: [PostgresQuery]) {
        self.schema = schema
        self.flatNames = flatNames
        self.data = data
    }

    let logger = Logger(label: "test")

    /// Rows of the shared tables, for `data`: an event in the outbox (group "outbox" 1).
    public static let outboxRows: [PostgresQuery] = [
        """
        INSERT INTO outbox (event_id, event_type, topic, event_key, payload, sent_at)
        VALUES ('00000000-0000-0000-0000-0000000000e1', 'test.kept', 'users', 'k', decode('7b7d', 'hex'), now())
        """
    ]
    /// An event handled (group "event_consumer" 1).
    public static let consumerRows: [PostgresQuery] = [
        "INSERT INTO processed_events (consumer, event_id) VALUES ('test', '00000000-0000-0000-0000-0000000000e2')"
    ]
    /// Two users, one following the other (group "user_projection" 1).
    public static let projectionRows: [PostgresQuery] = [
        """
        INSERT INTO users (id, username, bio, synced_at)
        VALUES ('00000000-0000-0000-0000-000000000001', 'ada', 'writes', '2024-01-01T00:00:00Z'),
            ('00000000-0000-0000-0000-000000000002', 'bob', '', '2024-01-01T00:00:00Z')
        """,
        "INSERT INTO follows (follower_id, followee_id) VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001')",
    ]

    /// What went wrong upgrading a database that has the first `flatVersions` applied; empty when
    /// nothing did.
    public func problems(flatVersions: Int) async throws -> [String] {
        let upgraded = try await TestDatabase.withScratchDatabase { url in
            try await withClient(url) { client in try await upgradeProblems(flatVersions: flatVersions, client: client) }
        }
        let fresh = try await TestDatabase.withScratchDatabase { url in
            try await withClient(url) { client in
                let applied = try await MigrationRunner(client: client, schema: schema, logger: logger).run()
                return (applied, try await Self.fingerprint(client, logger: logger))
            }
        }
        var problems = upgraded.problems
        if fresh.0 != schema.identified.map(\.id) { problems.append("a new database got \(fresh.0)") }
        let (onlyUpgraded, onlyFresh) = (Set(upgraded.fingerprint).subtracting(fresh.1), Set(fresh.1).subtracting(upgraded.fingerprint))
        if !onlyUpgraded.isEmpty || !onlyFresh.isEmpty {
            problems.append("the upgraded schema differs from a new one: only upgraded \(onlyUpgraded.sorted()), only new \(onlyFresh.sorted())")
        }
        return problems
    }

    private func withClient<T: Sendable>(_ url: String, _ body: (PostgresClient) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: try DatabaseConfiguration(url: url, variable: "test").postgresClientConfiguration)
        return try await withRunningClient(client) { try await body(client) }
    }

    private func upgradeProblems(flatVersions: Int, client: PostgresClient) async throws -> (problems: [String], fingerprint: [String]) {
        let flat = Array(schema.legacyFlatOrder.prefix(flatVersions))
        try await client.withConnection { connection in
            let migrations = try flat.enumerated().map { index, id in
                guard let migration = schema.migration(id) else { throw TestFailure("the legacy order names \(id), which is not declared") }
                return (name: flatNames[index], migration: migration)
            }
            try await Self.migrateFlat(migrations, on: connection, logger: logger)
            for statement in data {
                try await connection.query(statement, logger: logger)
            }
        }
        let flatRecords = try await client.query("SELECT version, name, applied_at::text FROM schema_migrations ORDER BY version", logger: logger)
            .decode((Int, String, String).self).collect()
        let rowsBefore = try await Self.rows(client, logger: logger)

        var problems: [String] = []
        let applied = try await MigrationRunner(client: client, schema: schema, logger: logger).run()
        let missing = schema.identified.map(\.id).filter { !flat.contains($0) }
        if applied != missing { problems.append("applied \(applied), but \(missing) were missing") }

        var records: [MigrationID: (name: String, appliedAt: String)] = [:]
        let rows = try await client.query("SELECT group_name, version, name, applied_at::text FROM schema_migrations", logger: logger)
        for try await (group, version, name, appliedAt) in rows.decode((String, Int, String, String).self) {
            records[MigrationID(group: group, version: version)] = (name, appliedAt)
        }
        if Set(records.keys) != Set(schema.identified.map(\.id)) {
            problems.append("schema_migrations records \(records.keys.sorted { "\($0)" < "\($1)" })")
        }
        for (version, name, appliedAt) in flatRecords {
            let record = records[flat[version - 1]]
            if record?.name != name || record?.appliedAt != appliedAt {
                problems.append("flat version \(version) (\(name), \(appliedAt)) became \(flat[version - 1]) \(String(describing: record))")
            }
        }

        let rowsAfter = try await Self.rows(client, logger: logger)
        for (table, before) in rowsBefore {
            let after = rowsAfter[table] ?? []
            // A later migration may add columns: each row before must be contained in one after.
            let kept = try await client.query(
                "SELECT count(*) FROM unnest(\(before)::jsonb[]) b WHERE EXISTS (SELECT 1 FROM unnest(\(after)::jsonb[]) a WHERE a @> b)",
                logger: logger
            ).decode(Int.self).collect()
            if kept != [before.count] || after.count != before.count { problems.append("\(table): rows \(before) became \(after)") }
        }
        if try await MigrationRunner(client: client, schema: schema, logger: logger).run() != [] { problems.append("a second run applied more") }
        return (problems, try await Self.fingerprint(client, logger: logger))
    }

    /// Does what the runner before groups did: creates its table and applies `migrations` as flat
    /// versions 1, 2, …, each in a transaction with its row, recorded under `name`.
    public static func migrateFlat(_ migrations: [(name: String, migration: Migration)], on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.query(
            """
            CREATE TABLE schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        for (index, (name, migration)) in migrations.enumerated() {
            try await connection.withTransaction(logger: logger) { transaction in
                for statement in migration.statements {
                    try await transaction.query(statement, logger: logger)
                }
                try await transaction.query("INSERT INTO schema_migrations (version, name) VALUES (\(index + 1), \(name))", logger: logger)
            }
        }
    }

    /// Every row of every table but `schema_migrations`, as JSON, by table.
    static func rows(_ client: PostgresClient, logger: Logger) async throws -> [String: [String]] {
        let tables = try await client.query(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'", logger: logger
        ).decode(String.self).collect()
        var rows: [String: [String]] = [:]
        for table in tables {
            // `table` comes from the catalog, quoted by quote_ident; identifiers cannot be bound.
            rows[table] = try await client.query("SELECT to_jsonb(t)::text FROM \(unescaped: table) t", logger: logger).decode(String.self).collect()
        }
        return rows
    }

    /// What makes up the schema: columns, indexes, constraints, functions (with their settings) and triggers.
    static func fingerprint(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        let queries: [PostgresQuery] = [
            """
            SELECT table_name || '.' || column_name || ' ' || data_type || ' nullable=' || is_nullable || ' default=' || coalesce(column_default, '')
            FROM information_schema.columns WHERE table_schema = current_schema()
            """,
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()",
            "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = current_schema()::regnamespace",
            "SELECT pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = current_schema()::regnamespace AND prokind = 'f'",
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
        ]
        var fingerprint: [String] = []
        for query in queries {
            fingerprint += try await client.query(query, logger: logger).decode(String.self).collect()
        }
        return fingerprint.sorted()
    }
}
