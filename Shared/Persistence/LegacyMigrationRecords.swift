import Logging
import PostgresNIO

/// Before groups, each service numbered all its migrations, shared and its own, in one list, and
/// `schema_migrations(version integer PRIMARY KEY, name text, applied_at)` held one row per flat
/// version. This turns such a table into the grouped one through the service's
/// ``DatabaseSchema/legacyFlatOrder``, keeping each row's name and time, in one transaction (under
/// the runner's lock). A row the legacy order does not name, or names as another migration, stops
/// it: the database was migrated by other code, and nothing is converted or applied on a guess.
struct LegacyMigrationRecords {
    let schema: DatabaseSchema
    let logger: Logger

    func convert(on connection: PostgresConnection) async throws {
        // The time as text keeps its every microsecond through the copy.
        var converted: [(flatVersion: Int, id: MigrationID, name: String, appliedAt: String)] = []
        let rows = try await connection.query("SELECT version, name, applied_at::text FROM schema_migrations ORDER BY version", logger: logger)
        for try await (version, name, appliedAt) in rows.decode((Int, String, String).self) {
            converted.append((version, try migration(flatVersion: version, recordedAs: name), name, appliedAt))
        }
        try await connection.withTransaction(logger: logger) { transaction in
            try await transaction.query("DROP TABLE schema_migrations", logger: logger)
            try await transaction.query(MigrationRunner.createRecordsTable, logger: logger)
            for row in converted {
                try await transaction.query(
                    """
                    INSERT INTO schema_migrations (group_name, version, name, applied_at)
                    VALUES (\(row.id.group), \(row.id.version), \(row.name), \(row.appliedAt)::timestamptz)
                    """,
                    logger: logger
                )
            }
        }
        logger.info(
            "converted the flat schema_migrations to groups",
            metadata: ["migrations": "\(converted.map { "\($0.flatVersion) -> \($0.id)" }.joined(separator: ", "))"]
        )
    }

    /// The migration that flat `version`, recorded as `name`, was.
    private func migration(flatVersion version: Int, recordedAs name: String) throws -> MigrationID {
        guard schema.legacyFlatOrder.indices.contains(version - 1) else {
            throw MigrationRecordsError.unknownLegacyVersion(version: version, name: name, knownVersions: schema.legacyFlatOrder.count)
        }
        let id = schema.legacyFlatOrder[version - 1]
        let declared = schema.migration(id)?.name ?? ""
        guard declared == name else {
            throw MigrationRecordsError.legacyNameMismatch(version: version, recorded: name, migration: id, declared: declared)
        }
        return id
    }
}
