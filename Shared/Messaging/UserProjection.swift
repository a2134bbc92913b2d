import Events
import Foundation
import Logging
import Persistence
import PostgresNIO

/// A service's local copy of users (`users`: id, username, bio, image) and of who follows whom
/// (`follows`), fed by the `user.*` events, so that rendering an author never calls auth.
///
/// Each row remembers the time of the event that wrote it (`synced_at`), and an older event never
/// overwrites a newer one. A row can also be made on demand from a token's claims
/// (``ensureUser(id:username:on:logger:)``) when a user acts before their `user.registered` has arrived;
/// the event fills it in later. Each row also keeps when the user's earlier tokens were revoked
/// (Authentication's `ProjectedTokenRevocations` reads it).
public enum UserProjection {
    public static func migration(version: Int) -> Migration {
        Migration(
            version: version, name: "create_user_projection",
            statements: [
                """
                CREATE TABLE users (
                    id uuid PRIMARY KEY,
                    username text NOT NULL,
                    bio text NOT NULL DEFAULT '',
                    image text NOT NULL DEFAULT '',
                    synced_at timestamptz NOT NULL DEFAULT '-infinity'
                )
                """,
                "CREATE INDEX users_username ON users (lower(username))",
                """
                CREATE TABLE follows (
                    follower_id uuid NOT NULL,
                    followee_id uuid NOT NULL,
                    PRIMARY KEY (follower_id, followee_id)
                )
                """,
            ])
    }

    /// Handlers for `user.registered`, `user.updated`, `user.followed` and `user.unfollowed`.
    public static var handlers: [EventHandler] {
        [
            EventHandler(UserRegistered.self) { event, incoming, connection, logger in
                try await upsert(event.user, at: incoming.occurredAt, on: connection, logger: logger)
            },
            EventHandler(UserUpdated.self) { event, incoming, connection, logger in
                try await upsert(event.user, at: incoming.occurredAt, on: connection, logger: logger)
            },
            EventHandler(UserFollowed.self) { event, _, connection, logger in
                try await connection.query(
                    "INSERT INTO follows (follower_id, followee_id) VALUES (\(event.follow.followerID), \(event.follow.followeeID)) ON CONFLICT DO NOTHING",
                    logger: logger
                )
            },
            EventHandler(UserUnfollowed.self) { event, _, connection, logger in
                try await connection.query(
                    "DELETE FROM follows WHERE follower_id = \(event.follow.followerID) AND followee_id = \(event.follow.followeeID)",
                    logger: logger
                )
            },
        ]
    }

    static func upsert(_ user: UserProfile, at time: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO users (id, username, bio, image, synced_at, tokens_valid_after)
            VALUES (\(user.userID), \(user.username), \(user.bio ?? ""), \(user.image ?? ""), \(time), \(user.tokensValidAfter))
            ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, bio = EXCLUDED.bio, image = EXCLUDED.image, synced_at = EXCLUDED.synced_at,
                tokens_valid_after = GREATEST(users.tokens_valid_after, EXCLUDED.tokens_valid_after)
            WHERE users.synced_at <= EXCLUDED.synced_at
            """,
            logger: logger
        )
    }

    /// Makes sure the signed-in user has a row, from their token's claims when no event has made
    /// one yet.
    public static func ensureUser(id: UUID, username: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "INSERT INTO users (id, username) VALUES (\(id), \(username)) ON CONFLICT (id) DO NOTHING",
            logger: logger
        )
    }
}
