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
    public let version: Int
    public let name: String
    public let reason: String

    public var description: String { "migration \(version) (\(name)) failed and was rolled back: \(reason)" }
}
