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
///
/// Follows are versioned the same way (`follow_versions` keeps the time of the latest event of each
/// pair, unfollows included): a user's follow and unfollow may arrive twice and out of order, once
/// pushed by auth as it answers and once from the broker, and the older never undoes the newer.
public enum UserProjection {
    /// The projection's tables: users and follows, then the time of the latest follow or unfollow
    /// event applied for each pair (see the type's comment).
    public static let migrations = MigrationGroup(
        "user_projection",
        [
            Migration(
                name: "create_user_projection",
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
                ]),
            Migration(
                name: "version_the_projected_follows",
                statements: [
                    """
                    CREATE TABLE follow_versions (
                        follower_id uuid NOT NULL,
                        followee_id uuid NOT NULL,
                        following boolean NOT NULL,
                        synced_at timestamptz NOT NULL,
                        PRIMARY KEY (follower_id, followee_id)
                    )
                    """
                ]),
        ]
    )

    /// Handlers for `user.registered`, `user.updated`, `user.followed` and `user.unfollowed`.
    public static var handlers: [EventHandler] {
        [
            EventHandler(UserRegistered.self) { event, incoming, connection, logger in
                try await upsert(event.user, at: incoming.occurredAt, on: connection, logger: logger)
            },
            EventHandler(UserUpdated.self) { event, incoming, connection, logger in
                try await upsert(event.user, at: incoming.occurredAt, on: connection, logger: logger)
            },
            EventHandler(UserFollowed.self) { event, incoming, connection, logger in
                try await setFollow(event.follow, following: true, at: incoming.occurredAt, on: connection, logger: logger)
            },
            EventHandler(UserUnfollowed.self) { event, incoming, connection, logger in
                try await setFollow(event.follow, following: false, at: incoming.occurredAt, on: connection, logger: logger)
            },
        ]
    }

    /// The events that auth pushes to the services holding this projection as it answers (see
    /// ``ProjectionPush``), so that the user who acted sees the change on their next request.
    public static let pushedEventTypes: Set<String> = [UserUpdated.type, UserFollowed.type, UserUnfollowed.type]

    /// Applies a follow or an unfollow unless a later event of the same pair was applied already.
    static func setFollow(_ relation: FollowRelation, following: Bool, at time: Date, on connection: PostgresConnection, logger: Logger) async throws
    {
        let (follower, followee) = (relation.followerID, relation.followeeID)
        try await connection.query(
            """
            WITH newer AS (
                INSERT INTO follow_versions (follower_id, followee_id, following, synced_at)
                VALUES (\(follower), \(followee), \(following), \(time))
                ON CONFLICT (follower_id, followee_id) DO UPDATE SET following = EXCLUDED.following, synced_at = EXCLUDED.synced_at
                WHERE follow_versions.synced_at <= EXCLUDED.synced_at
                RETURNING following
            ), added AS (
                INSERT INTO follows (follower_id, followee_id) SELECT \(follower), \(followee) FROM newer WHERE following ON CONFLICT DO NOTHING
            )
            DELETE FROM follows WHERE follower_id = \(follower) AND followee_id = \(followee) AND EXISTS (SELECT FROM newer WHERE NOT following)
            """,
            logger: logger
        )
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
