import Authentication
import Messaging
import Persistence

/// The auth service's schema, in order. Never edit an applied migration: add a new one.
enum AuthMigrations {
    static let all: [Migration] = [
        Outbox.migration(version: 1),
        Migration(
            version: 2, name: "create_users_and_follows",
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
        Outbox.setAsideMigration(version: 3),
        ProjectedTokenRevocations.migration(version: 4),
        // Failed logins per account (by lower-cased email, known or not), so that every replica
        // throttles password guessing alike.
        Migration(
            version: 5, name: "create_login_throttle",
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
        Outbox.topicIncarnationsMigration(version: 6),
    ]
}
