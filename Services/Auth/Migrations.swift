import Authentication
import Messaging
import Persistence

/// The auth service's schema: the groups of its tables, each after those it depends on, then its numbering
/// from before groups. Never edit an applied migration: add a new one at the end of its group.
/// Token revocations add a column to its own `users`.
enum AuthMigrations {
    static let schema = DatabaseSchema(
        [
            Outbox.migrations,
            own,
            ProjectedTokenRevocations.migrations(),
        ],
        // Frozen: flat version n of the databases migrated before groups was the n-th.
        legacyFlatOrder: [
            Outbox.migrations.version(1),
            own.version(1),
            Outbox.migrations.version(2),
            ProjectedTokenRevocations.migrations().version(1),
            own.version(2),
            Outbox.migrations.version(3),
        ]
    )

    /// The service's own tables.
    static let own = MigrationGroup(
        "auth",
        [
            Migration(
                name: "create_users_and_follows",
                statements: [
                    """
                    CREATE TABLE users (
                        id uuid PRIMARY KEY,
                        username text NOT NULL,
                        email text NOT NULL,
                        password_hash text NOT NULL,
                        bio text NOT NULL DEFAULT '',
                        image text NOT NULL DEFAULT '',
                        created_at timestamptz NOT NULL DEFAULT now(),
                        updated_at timestamptz NOT NULL DEFAULT now()
                    )
                    """,
                    // Both unique case-insensitively; lookups by email and username use these indexes.
                    "CREATE UNIQUE INDEX users_email_unique ON users (lower(email))",
                    "CREATE UNIQUE INDEX users_username_unique ON users (lower(username))",
                    """
                    CREATE TABLE follows (
                        follower_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                        followee_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                        created_at timestamptz NOT NULL DEFAULT now(),
                        PRIMARY KEY (follower_id, followee_id),
                        CHECK (follower_id <> followee_id)
                    )
                    """,
                    "CREATE INDEX follows_followee ON follows (followee_id)",
                ]),
            // Failed logins per account (by lower-cased email, known or not), so that every replica
            // throttles password guessing alike.
            Migration(
                name: "create_login_throttle",
                statements: [
                    """
                    CREATE TABLE login_throttle (
                        email_key text PRIMARY KEY,
                        failures integer NOT NULL,
                        locked_until timestamptz,
                        last_failure_at timestamptz NOT NULL DEFAULT now()
                    )
                    """
                ]),
        ]
    )
}
