import Basics
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

/// Remembers each user's revocation time for `lifetime`, so that a busy replica reads it once per
/// user and `lifetime` rather than on every request. A revocation then reaches the checks up to
/// `lifetime` after it reached the projection (which learns it from `user.updated` anyway). Auth,
/// which revokes and answers with the new token, reads its own table every time.
public struct RememberedTokenRevocations: TokenRevocationSource {
    let source: any TokenRevocationSource
    let lifetime: Duration
    let known = ExpiringCache<UUID, Date?>(capacity: 16_384)

    public func tokensValidAfter(userID: UUID) async throws -> Date? {
        let now = ContinuousClock.now
        if let validAfter = known.value(for: userID, now: now) { return validAfter }
        let validAfter = try await source.tokensValidAfter(userID: userID)
        known.store(validAfter, for: userID, until: now + lifetime, now: now)
        return validAfter
    }
}

extension TokenRevocationSource {
    /// This source, read at most once per user and `lifetime`.
    public func remembered(for lifetime: Duration) -> RememberedTokenRevocations {
        RememberedTokenRevocations(source: self, lifetime: lifetime)
    }
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
