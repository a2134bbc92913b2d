import Foundation
import Logging
import Persistence
import PostgresNIO

/// When a user's earlier tokens stopped being valid: changing the password or the email ends every
/// session of tokens issued before. Auth keeps the time with the user and sends it in
/// `user.updated`; every other service keeps it in its projection of users, so the check is a
/// local primary-key read, never a call to auth.
public protocol TokenRevocationSource: Sendable {
    func tokensValidAfter(userID: UUID) async throws -> Date?
}

/// Reads `tokens_valid_after` from a table of users keyed by `id` in the service's own database.
public struct ProjectedTokenRevocations: TokenRevocationSource {
    /// The tables that hold it: `users` (auth's own, and the projection of posts and comments), and
    /// the notifier's `recipients`.
    public enum Table: String, Sendable {
        case users
        case recipients
    }

    let database: PostgresClient
    let table: Table
    let logger: Logger

    public init(database: PostgresClient, table: Table = .users, logger: Logger) {
        self.database = database
        self.table = table
        self.logger = logger
    }

    public func tokensValidAfter(userID: UUID) async throws -> Date? {
        let rows = try await database.query("SELECT tokens_valid_after FROM \(unescaped: table.rawValue) WHERE id = \(userID)", logger: logger)
        for try await validAfter in rows.decode(Date?.self) { return validAfter }
        return nil
    }

    /// The column every table of users gets, for a service's migration.
    public static func migration(version: Int, table: Table = .users) -> Migration {
        Migration(
            version: version,
            name: "remember when each user's tokens were revoked",
            statements: ["ALTER TABLE \(unescaped: table.rawValue) ADD COLUMN tokens_valid_after timestamptz"]
        )
    }
}
