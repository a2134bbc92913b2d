import Basics
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// When a user's earlier tokens stopped being valid: changing the password or the email ends every
/// session of tokens issued before. Auth keeps the time with the user and sends it in
/// `user.updated`; every other service keeps it in its projection of users, so the check is a
/// local primary-key read, never a call to auth.
public protocol TokenRevocationSource: Sendable {
    func tokensValidAfter(userID: UUID) async throws -> Date?
}

/// Remembers each user's revocation time for `lifetime`, so that a busy replica reads it once per
/// user and `lifetime` rather than on every request. With `announcements` (the table's trigger
/// announcing every change of a revocation time to every replica when it commits), whatever it
/// remembered from before a change is forgotten as the change is announced, and while the
/// announcements cannot be heard it remembers nothing: a revocation reaches every check at once.
/// Without them, a revocation reaches the checks up to `lifetime` after it reached the table. Auth,
/// which revokes and answers with the new token, reads its own table every time.
public struct RememberedTokenRevocations: TokenRevocationSource {
    let source: any TokenRevocationSource
    let lifetime: Duration
    let announcements: TokenRevocationAnnouncements?
    let known = ExpiringCache<UUID, RememberedRevocation>(capacity: 16_384)

    struct RememberedRevocation {
        let validAfter: Date?
        let generation: Int
    }

    public func tokensValidAfter(userID: UUID) async throws -> Date? {
        let generation: Int
        if let announcements {
            guard let current = announcements.generation else { return try await source.tokensValidAfter(userID: userID) }
            generation = current
        } else {
            generation = 0
        }
        let now = ContinuousClock.now
        if let remembered = known.value(for: userID, now: now), remembered.generation == generation { return remembered.validAfter }
        let validAfter = try await source.tokensValidAfter(userID: userID)
        // A change announced while this read was under way may be newer than what it read.
        if announcements == nil || announcements?.generation == generation {
            known.store(RememberedRevocation(validAfter: validAfter, generation: generation), for: userID, until: now + lifetime, now: now)
        }
        return validAfter
    }
}

extension TokenRevocationSource {
    /// This source, read at most once per user and `lifetime`, and again after every change
    /// `announcements` hears of.
    public func remembered(for lifetime: Duration, announcements: TokenRevocationAnnouncements? = nil) -> RememberedTokenRevocations {
        RememberedTokenRevocations(source: self, lifetime: lifetime, announcements: announcements)
    }
}

/// Hears the changes of revocation times that a table's trigger (``TokenRevocationAnnouncements/migrations(table:)``)
/// announces on ``channel``, through a connection of its own, and counts them: each one makes
/// what ``RememberedTokenRevocations`` remembered from before it stale.
public final class TokenRevocationAnnouncements: Service, Sendable {
    public static let channel = "token_revocations"
    let connection: DatabaseWakeups.ListeningConnection
    let logger: Logger
    private let heard = Atomic<Int>(0)
    private let listening = Atomic<Bool>(false)

    /// - Parameter connection: a connection of its own (`.dedicated`) in a service, whose pool's
    ///   few connections are the requests'.
    public init(connection: DatabaseWakeups.ListeningConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// The number of announcements heard so far (and of times listening began or ended), or nil
    /// while none would be heard.
    var generation: Int? {
        guard listening.load(ordering: .acquiring) else { return nil }
        return heard.load(ordering: .acquiring)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.connection.listen(
                on: Self.channel, logger: self.logger,
                began: { _ in
                    self.heard.add(1, ordering: .releasing)
                    self.listening.store(true, ordering: .releasing)
                },
                heard: { _ in self.heard.add(1, ordering: .releasing) },
                lost: {
                    self.listening.store(false, ordering: .releasing)
                    self.heard.add(1, ordering: .releasing)
                }
            )
        }
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

    /// The column every table of users gets; a service lists the group after the one that creates `table`.
    public static func migrations(table: Table = .users) -> MigrationGroup {
        MigrationGroup(
            "token_revocations",
            [
                Migration(
                    name: "remember when each user's tokens were revoked",
                    statements: ["ALTER TABLE \(unescaped: table.rawValue) ADD COLUMN tokens_valid_after timestamptz"]
                )
            ]
        )
    }
}

extension TokenRevocationAnnouncements {
    /// The trigger that announces on ``channel`` every change of a revocation time in `table`, when
    /// its transaction commits; a service lists the group after ``ProjectedTokenRevocations/migrations(table:)``.
    public static func migrations(table: ProjectedTokenRevocations.Table = .users) -> MigrationGroup {
        MigrationGroup(
            "token_revocation_announcements",
            [
                Migration(
                    name: "announce each change of a user's revocation time",
                    statements: [
                        """
                        CREATE OR REPLACE FUNCTION announce_token_revocation() RETURNS trigger
                        LANGUAGE plpgsql
                        AS $$
                        BEGIN
                            PERFORM pg_notify('\(unescaped: TokenRevocationAnnouncements.channel)', '');
                            RETURN NULL;
                        END
                        $$
                        """,
                        """
                        CREATE TRIGGER \(unescaped: table.rawValue)_revocation_changed AFTER UPDATE OF tokens_valid_after ON \(unescaped: table.rawValue)
                        FOR EACH ROW WHEN (OLD.tokens_valid_after IS DISTINCT FROM NEW.tokens_valid_after)
                        EXECUTE FUNCTION announce_token_revocation()
                        """,
                        """
                        CREATE TRIGGER \(unescaped: table.rawValue)_revocation_added AFTER INSERT ON \(unescaped: table.rawValue)
                        FOR EACH ROW WHEN (NEW.tokens_valid_after IS NOT NULL)
                        EXECUTE FUNCTION announce_token_revocation()
                        """,
                    ]
                )
            ]
        )
    }
}
