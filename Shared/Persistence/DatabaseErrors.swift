import PostgresNIO
import _ConnectionPoolModule

extension PostgresTransactionError {
    /// The error that made the transaction fail: the body's, else BEGIN's or COMMIT's.
    var cause: any Error { closureError ?? beginError ?? commitError ?? self }
}

public enum DatabaseErrors {
    /// PostgreSQL errors that mean the database could not be reached, rather than a bad query.
    static let unreachableCodes: [PSQLError.Code] = [
        .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
    ]

    /// `error` without the transaction wrapper PostgresNIO puts around errors thrown inside one.
    public static func unwrap(_ error: any Error) -> any Error {
        (error as? PostgresTransactionError)?.cause ?? error
    }

    /// Whether `error` says the database could not be reached (retry later), not that a query was wrong.
    public static func isUnreachable(_ error: any Error) -> Bool {
        switch unwrap(error) {
        case let error as PSQLError:
            return unreachableCodes.contains(error.code)
        case let error as ConnectionPoolError:
            // After failing to connect for a while the pool fails requests at once (its circuit
            // breaker): the database is still unreachable.
            return error == .connectionCreationCircuitBreakerTripped || error == .poolShutdown
        default:
            return false
        }
    }

    /// The name of the unique constraint (or unique index) that `error` violated, if that is what it is.
    public static func violatedUniqueConstraint(_ error: any Error) -> String? {
        guard let error = unwrap(error) as? PSQLError, error.serverInfo?[.sqlState] == "23505" else { return nil }
        return error.serverInfo?[.constraintName]
    }

    /// Whether PostgreSQL refused a text it cannot store (SQLSTATE 22021, such as U+0000): the
    /// client's input, not the service, is at fault.
    public static func isUnstorableCharacter(_ error: any Error) -> Bool {
        (unwrap(error) as? PSQLError)?.serverInfo?[.sqlState] == "22021"
    }

    /// A short reason for logs and readiness answers: the server's message, or the connection's error.
    public static func describe(_ error: any Error) -> String {
        let error = unwrap(error)
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return "\(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

/// A migration that failed; nothing of it was applied.
public struct MigrationError: Error, CustomStringConvertible {
    public let migration: MigrationID
    public let name: String
    public let reason: String

    public var description: String { "migration \(migration) (\(name)) failed and was rolled back: \(reason)" }
}

/// `schema_migrations` records migrations that are not the ones the code declares: the database was
/// migrated by other code (or an applied migration was changed). Nothing was converted or applied,
/// and waiting does not help.
public enum MigrationRecordsError: Error, Equatable, CustomStringConvertible {
    /// A flat (pre-group) version beyond the service's legacy order.
    case unknownLegacyVersion(version: Int, name: String, knownVersions: Int)
    /// A flat version recorded under another name than the migration the legacy order says it was.
    case legacyNameMismatch(version: Int, recorded: String, migration: MigrationID, declared: String)
    /// A migration recorded under another name than the code declares for it.
    case nameMismatch(migration: MigrationID, recorded: String, declared: String)

    public var description: String {
        switch self {
        case .unknownLegacyVersion(let version, let name, let knownVersions):
            "schema_migrations records flat version \(version) (\"\(name)\"), which this service's legacy order "
                + "(versions 1-\(knownVersions)) does not name: the database was migrated by other code; nothing was converted or applied"
        case .legacyNameMismatch(let version, let recorded, let migration, let declared):
            "schema_migrations records flat version \(version) as \"\(recorded)\", but this service's flat version \(version) "
                + "was \"\(declared)\" (\(migration)): the database was migrated by other code; nothing was converted or applied"
        case .nameMismatch(let migration, let recorded, let declared):
            "schema_migrations records \(migration) as \"\(recorded)\", but the code declares it as \"\(declared)\": "
                + "an applied migration was changed or moved; nothing was applied"
        }
    }
}
