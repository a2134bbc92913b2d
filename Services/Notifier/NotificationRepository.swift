import Events
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO

/// The SQL of notifications and of their recipients (the notifier's projection of users). Event
/// handlers record in the consumer's transaction (the static functions); the sender works one due
/// notification at a time, in a transaction that holds its row's lock; the feed reads.
struct NotificationRepository: Sendable {
    let database: PostgresClient
    /// Notified by every notification recorded, when its transaction commits; the senders listen there.
    static let wakeupChannel = "inkwell_notifications"

    // MARK: recording, in the consumer's transaction

    /// Keeps a recipient's name and address from `user.registered` and `user.updated`; an event
    /// older than what the row holds changes nothing.
    static func upsertRecipient(_ user: UserProfile, at time: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO recipients (id, username, email, synced_at, tokens_valid_after)
            VALUES (\(user.userID), \(user.username), \(user.email), \(time), \(user.tokensValidAfter))
            ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, email = EXCLUDED.email, synced_at = EXCLUDED.synced_at,
                tokens_valid_after = GREATEST(recipients.tokens_valid_after, EXCLUDED.tokens_valid_after)
            WHERE recipients.synced_at <= EXCLUDED.synced_at
            """,
            logger: logger
        )
    }

    /// Records a notification to send, with the current trace (the event's), and wakes the senders
    /// when the transaction commits; one with the same kind and `key` already recorded makes this one nothing.
    static func record(
        _ kind: NotificationKind, event: UUID, key: String, recipient: UUID, actor: UUID? = nil, title: String? = nil, slug: String? = nil,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        // One statement records the row and sends the wake-up (delivered when the transaction
        // commits); a notification already recorded sends none.
        try await connection.query(
            """
            WITH recorded AS (
                INSERT INTO notifications (event_id, kind, dedupe_key, recipient_id, actor_id, article_title, article_slug, traceparent)
                VALUES (\(event), \(kind.rawValue), \(key), \(recipient), \(actor), \(title), \(slug), \(TraceContext.currentTraceparent()))
                ON CONFLICT (kind, dedupe_key) DO NOTHING
                RETURNING 1
            )
            SELECT pg_notify(\(wakeupChannel), '') FROM recorded
            """,
            logger: logger
        ).consume()
    }

    // MARK: sending

    /// A notification whose time has come, with the names and address it needs.
    struct Due: Sendable {
        var id: Int64
        var kind: String
        var attempts: Int
        var createdAt: Date
        var title: String?
        var actorID: UUID?
        var recipientName: String?
        var recipientEmail: String?
        var actorName: String?
        var traceparent: String?
    }

    /// Runs `send` on the next due notification, in a transaction that holds the notification's row
    /// lock (`FOR UPDATE SKIP LOCKED`: replicas never take the same one) until `send` has recorded
    /// what became of it on the connection it is given. False when none is due.
    func withNextDue(logger: Logger, _ send: (Due, PostgresConnection) async throws -> Void) async throws -> Bool {
        try await database.withTransaction(logger: logger) { connection -> Bool in
            let rows = try await connection.query(
                """
                SELECT n.id, n.kind, n.attempts, n.created_at, n.article_title, n.actor_id, r.username, r.email, a.username, n.traceparent
                FROM notifications n
                LEFT JOIN recipients r ON r.id = n.recipient_id
                LEFT JOIN recipients a ON a.id = n.actor_id
                WHERE n.status = 'pending' AND n.next_attempt_at <= now()
                ORDER BY n.next_attempt_at, n.id
                LIMIT 1
                FOR UPDATE OF n SKIP LOCKED
                """,
                logger: logger
            )
            var due: Due?
            for try await (id, kind, attempts, createdAt, title, actorID, recipientName, recipientEmail, actorName, traceparent) in rows.decode(
                (Int64, String, Int, Date, String?, UUID?, String?, String?, String?, String?).self
            ) {
                due = Due(
                    id: id, kind: kind, attempts: attempts, createdAt: createdAt, title: title, actorID: actorID, recipientName: recipientName,
                    recipientEmail: recipientEmail, actorName: actorName, traceparent: traceparent
                )
            }
            guard let due else { return false }
            try await send(due, connection)
            return true
        }
    }

    static func markSent(_ id: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE notifications SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = \(id)",
            logger: logger
        )
    }

    /// Gives the notification up; `attempts`, when given, is how many were made.
    static func markFailed(_ id: Int64, error: String, attempts: Int? = nil, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE notifications SET status = 'failed', last_error = \(error), attempts = coalesce(\(attempts), attempts) WHERE id = \(id)",
            logger: logger
        )
    }

    /// Makes the notification due again after `delay`; with `attempt` and `error`, records a failed attempt.
    static func retry(
        _ id: Int64, after delay: Duration, attempt: Int? = nil, error: String? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            UPDATE notifications SET attempts = coalesce(\(attempt), attempts), last_error = coalesce(\(error), last_error),
                next_attempt_at = now() + make_interval(secs => \(delay.seconds))
            WHERE id = \(id)
            """,
            logger: logger
        )
    }

    /// How many notifications are pending, and how long until the next of them is due (nil: none
    /// is pending; zero or less: one is due, perhaps held by another replica).
    func backlog(logger: Logger) async throws -> (pending: Int, nextDueIn: Duration?) {
        let rows = try await database.query(
            "SELECT count(*)::int, extract(epoch FROM min(next_attempt_at) - now())::float8 FROM notifications WHERE status = 'pending'",
            logger: logger
        )
        for try await (pending, seconds) in rows.decode((Int, Double?).self) { return (pending, seconds.map { .seconds($0) }) }
        return (0, nil)
    }

    // MARK: the feed

    /// A notification as its recipient's feed shows it.
    struct Listed: Sendable {
        var id: Int64
        var kind: String
        var title: String?
        var slug: String?
        var createdAt: Date
        var status: String
        var actorName: String?
        var recipientName: String?
    }

    /// `recipient`'s notifications, newest first, and how many they have in all.
    func list(for recipient: UUID, limit: Int, offset: Int, logger: Logger) async throws -> (notifications: [Listed], count: Int) {
        let rows = try await database.query(
            """
            SELECT n.id, n.kind, n.article_title, n.article_slug, n.created_at, n.status, a.username, r.username
            FROM notifications n
            LEFT JOIN recipients a ON a.id = n.actor_id
            LEFT JOIN recipients r ON r.id = n.recipient_id
            WHERE n.recipient_id = \(recipient)
            ORDER BY n.created_at DESC, n.id DESC
            LIMIT \(limit) OFFSET \(offset)
            """,
            logger: logger
        )
        var notifications: [Listed] = []
        for try await (id, kind, title, slug, created, status, actor, recipient) in rows.decode(
            (Int64, String, String?, String?, Date, String, String?, String?).self
        ) {
            notifications.append(
                Listed(id: id, kind: kind, title: title, slug: slug, createdAt: created, status: status, actorName: actor, recipientName: recipient)
            )
        }
        let counted = try await database.query("SELECT count(*)::int FROM notifications WHERE recipient_id = \(recipient)", logger: logger)
        var count = 0
        for try await value in counted.decode(Int.self) { count = value }
        return (notifications, count)
    }
}
