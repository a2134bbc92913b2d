import Logging
import PostgresNIO

/// Applies a service's migrations that the database has not seen, in version order, each in its
/// own transaction. A session-level advisory lock serialises runners, so that N replicas starting
/// at once apply each migration exactly once; `schema_migrations` records what was applied and when.
public struct MigrationRunner: Sendable {
    /// Any constant works, as long as every runner against a database uses the same one.
    static let advisoryLockKey: Int64 = 0x496E_6B77_656C_6C00

    let client: PostgresClient
    let migrations: [Migration]
    let logger: Logger

    public init(client: PostgresClient, migrations: [Migration], logger: Logger) {
        precondition(
            Set(migrations.map(\.version)).count == migrations.count,
            "migration versions must be unique"
        )
        self.client = client
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Applies what is pending; returns the versions this call applied.
    @discardableResult
    public func run() async throws -> [Int] {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))", logger: logger)
            do {
                let applied = try await applyPending(on: connection)
                try await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
                throw error
            }
        }
    }

    private func applyPending(on connection: PostgresConnection) async throws -> [Int] {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        var done = Set<Int>()
        for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
            done.insert(version)
        }
        var appliedNow: [Int] = []
        for migration in migrations where !done.contains(migration.version) {
            logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            do {
                try await connection.withTransaction(logger: logger) { transaction in
                    // A migration may take longer than any request should (an index on a big table).
                    try await transaction.query("SET LOCAL statement_timeout = 0", logger: logger)
                    for statement in migration.statements {
                        try await transaction.query(statement, logger: logger)
                    }
                    try await transaction.query(
                        "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                        logger: logger
                    )
                }
            } catch  where !DatabaseErrors.isUnreachable(error) {
                throw MigrationError(version: migration.version, name: migration.name, reason: DatabaseErrors.describe(error))
            }
            appliedNow.append(migration.version)
        }
        return appliedNow
    }
}
