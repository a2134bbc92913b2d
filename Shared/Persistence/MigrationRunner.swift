import Logging
import PostgresNIO

/// Applies the migrations of a ``DatabaseSchema`` that the database has not seen, group by group in
/// the schema's order and in version order within a group, each in its own transaction. A
/// session-level advisory lock serialises runners, so that N replicas starting at once apply each
/// migration exactly once; `schema_migrations` records what was applied (by group and version) and when.
/// A table of flat versions, as services kept before groups, is first converted (see
/// ``LegacyMigrationRecords``).
public struct MigrationRunner: Sendable {
    /// Any constant works, as long as every runner against a database uses the same one.
    static let advisoryLockKey: Int64 = 0x496E_6B77_656C_6C00

    let client: PostgresClient
    let schema: DatabaseSchema
    let logger: Logger

    public init(client: PostgresClient, schema: DatabaseSchema, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    /// Applies what is pending; returns the migrations this call applied.
    @discardableResult
    public func run() async throws -> [MigrationID] {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))", logger: logger)
            do {
                try await prepareRecords(on: connection)
                let applied = try await applyPending(on: connection)
                try await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
                throw error
            }
        }
    }

    static let createRecordsTable: PostgresQuery = """
        CREATE TABLE schema_migrations (
            group_name text NOT NULL,
            version integer NOT NULL,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (group_name, version)
        )
        """

    /// Makes `schema_migrations` one of groups: creates it, or converts the flat one of a database
    /// migrated before groups.
    private func prepareRecords(on connection: PostgresConnection) async throws {
        var columns: [String] = []
        let rows = try await connection.query(
            """
            SELECT attname::text FROM pg_attribute
            WHERE attrelid = to_regclass('schema_migrations') AND attnum > 0 AND NOT attisdropped
            """,
            logger: logger
        )
        for try await column in rows.decode(String.self) { columns.append(column) }
        if columns.isEmpty {
            try await connection.query(Self.createRecordsTable, logger: logger)
        } else if !columns.contains("group_name") {
            try await LegacyMigrationRecords(schema: schema, logger: logger).convert(on: connection)
        }
    }

    private func applyPending(on connection: PostgresConnection) async throws -> [MigrationID] {
        var recorded: [MigrationID: String] = [:]
        let rows = try await connection.query("SELECT group_name, version, name FROM schema_migrations", logger: logger)
        for try await (group, version, name) in rows.decode((String, Int, String).self) {
            recorded[MigrationID(group: group, version: version)] = name
        }
        let declared = schema.identified
        // A recorded migration that is no longer what the code declares means the code changed an
        // applied one (or moved it): applying the rest on top would build on a guess.
        for (id, migration) in declared {
            if let name = recorded[id], name != migration.name {
                throw MigrationRecordsError.nameMismatch(migration: id, recorded: name, declared: migration.name)
            }
        }
        var appliedNow: [MigrationID] = []
        for (id, migration) in declared where recorded[id] == nil {
            logger.info("applying migration", metadata: ["group": "\(id.group)", "version": "\(id.version)", "name": "\(migration.name)"])
            do {
                try await connection.withTransaction(logger: logger) { transaction in
                    // A migration may take longer than any request should (an index on a big table).
                    try await transaction.query("SET LOCAL statement_timeout = 0", logger: logger)
                    for statement in migration.statements {
                        try await transaction.query(statement, logger: logger)
                    }
                    try await transaction.query(
                        "INSERT INTO schema_migrations (group_name, version, name) VALUES (\(id.group), \(id.version), \(migration.name))",
                        logger: logger
                    )
                }
            } catch  where !DatabaseErrors.isUnreachable(error) {
                throw MigrationError(migration: id, name: migration.name, reason: DatabaseErrors.describe(error))
            }
            appliedNow.append(id)
        }
        return appliedNow
    }
}
