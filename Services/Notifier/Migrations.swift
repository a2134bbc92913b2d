import Authentication
import Messaging
import Persistence

/// The notifier's schema: the groups of its tables, each after those it depends on, then its numbering
/// from before groups. Never edit an applied migration: add a new one at the end of its group.
/// Token revocations (the column and its announcements) are on its own `recipients`.
enum NotifierMigrations {
    static let schema = DatabaseSchema(
        [
            EventConsumer.migrations,
            own,
            ProjectedTokenRevocations.migrations(table: .recipients),
            TokenRevocationAnnouncements.migrations(table: .recipients),
        ],
        // Frozen: flat version n of the databases migrated before groups was the n-th.
        legacyFlatOrder: [
            EventConsumer.migrations.version(1),
            own.version(1),
            ProjectedTokenRevocations.migrations(table: .recipients).version(1),
            own.version(2),
            TokenRevocationAnnouncements.migrations(table: .recipients).version(1),
        ]
    )

    /// The service's own tables.
    static let own = MigrationGroup(
        "notifier",
        [
            Migration(
                name: "create_recipients_and_notifications",
                statements: [
                    // Who can be written to: the notifier's own projection of user.registered and user.updated.
                    """
                    CREATE TABLE recipients (
                        id uuid PRIMARY KEY,
                        username text NOT NULL,
                        email text NOT NULL,
                        synced_at timestamptz NOT NULL
                    )
                    """,
                    // One row per notification, recorded before it is sent. (kind, dedupe_key) makes an
                    // event, or a favorite however often toggled, produce one notification at most.
                    """
                    CREATE TABLE notifications (
                        id bigserial PRIMARY KEY,
                        event_id uuid NOT NULL,
                        kind text NOT NULL,
                        dedupe_key text NOT NULL,
                        recipient_id uuid NOT NULL,
                        actor_id uuid,
                        article_title text,
                        article_slug text,
                        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
                        attempts integer NOT NULL DEFAULT 0,
                        next_attempt_at timestamptz NOT NULL DEFAULT now(),
                        last_error text,
                        created_at timestamptz NOT NULL DEFAULT now(),
                        sent_at timestamptz,
                        UNIQUE (kind, dedupe_key)
                    )
                    """,
                    "CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending'",
                    "CREATE INDEX notifications_by_recipient ON notifications (recipient_id, created_at DESC, id DESC)",
                ]),
            // The trace of the request behind a notification (W3C traceparent), so that every attempt
            // to send it, retries included, is a span of that trace.
            Migration(name: "keep each notification's trace", statements: ["ALTER TABLE notifications ADD COLUMN traceparent text"]),
        ]
    )
}
