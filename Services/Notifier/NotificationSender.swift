import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Shared

/// Sends the pending notifications, one at a time, each in its own transaction that holds the
/// row's lock while the SMTP server is talked to (`FOR UPDATE SKIP LOCKED`: replicas never send
/// the same one). A sent email is recorded at once; a failed attempt is retried with exponential
/// backoff, and after `maxAttempts` the notification is marked failed.
///
/// The window for a second email: the SMTP server has accepted a message and the worker stops
/// (is killed, loses its database) before the transaction that records it commits. The row is
/// then still pending and is sent again; its `Message-ID` (`notification-<id>@…`) is the same.
struct NotificationSender: Service {
    let database: PostgresClient
    let mailer: SMTPMailer
    let settings: NotifierConfiguration
    let logger: Logger

    init(database: PostgresClient, mailer: SMTPMailer, settings: NotifierConfiguration, logger: Logger) {
        self.database = database
        self.mailer = mailer
        self.settings = settings
        var logger = logger
        logger[metadataKey: "component"] = "sender"
        self.logger = logger
    }

    func run() async throws {
        logger.info("sending notifications", metadata: ["smtp": "\(mailer.redactedURL)"])
        await cancelWhenGracefulShutdown {
            var lastGauge = ContinuousClock.now - .seconds(60)
            var backoff = Backoff(initial: .milliseconds(250))
            while !Task.isCancelled {
                do {
                    if ContinuousClock.now - lastGauge > .seconds(5) {
                        try await recordPendingGauge()
                        lastGauge = .now
                    }
                    if try await sendNext() {
                        backoff.reset()
                        continue
                    }
                    try await Task.sleep(for: settings.pollInterval)
                } catch is CancellationError {
                    return
                } catch {
                    let delay = backoff.next()
                    logger.warning("sending stalled, retrying", metadata: ["error": "\(DatabaseErrors.describe(error))", "retry_in": "\(delay)"])
                    try? await Task.sleep(for: delay)
                }
            }
        }
    }

    /// Handles the next due notification; false when none is due.
    func sendNext() async throws -> Bool {
        try await database.withTransaction(logger: logger) { connection -> Bool in
            let rows = try await connection.query(
                """
                SELECT n.id, n.kind, n.attempts, n.created_at, n.article_title, n.actor_id, r.username, r.email, a.username
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
            var due: (Int64, String, Int, Date, String?, UUID?, String?, String?, String?)?
            for try await row in rows.decode((Int64, String, Int, Date, String?, UUID?, String?, String?, String?).self) { due = row }
            guard let (id, kindName, attempts, createdAt, title, actorID, recipientName, recipientEmail, actorName) = due else { return false }
            var logger = self.logger
            logger[metadataKey: "notification_id"] = "\(id)"
            guard let kind = NotificationKind(rawValue: kindName) else {
                try await finish(id, as: "failed", error: "unknown kind \(kindName)", on: connection)
                return true
            }
            // The recipient's (or the actor's) user.registered may come later than this event: wait for it.
            let age = Date().timeIntervalSince(createdAt)
            if recipientEmail == nil || (actorID != nil && actorName == nil && age < 60) {
                if recipientEmail == nil && age > Double(settings.recipientWait.components.seconds) {
                    logger.error("giving up a notification whose recipient never became known")
                    Counter(label: "inkwell_notifications_total", dimensions: [("outcome", "failed")]).increment()
                    try await finish(id, as: "failed", error: "recipient unknown", on: connection)
                } else {
                    try await connection.query("UPDATE notifications SET next_attempt_at = now() + interval '1 second' WHERE id = \(id)", logger: logger)
                }
                return true
            }
            let text = kind.text(recipient: recipientName ?? "", actor: actorName, title: title)
            let message = EmailMessage(
                from: settings.from, to: .init(name: recipientName ?? "", email: recipientEmail ?? ""),
                subject: text.subject, text: text.body, messageID: "notification-\(id)@inkwell.local", date: Date()
            )
            do {
                try await mailer.send(message)
                try await connection.query(
                    "UPDATE notifications SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = \(id)",
                    logger: logger
                )
                Counter(label: "inkwell_notifications_total", dimensions: [("outcome", "sent")]).increment()
                logger.info("email sent", metadata: ["kind": "\(kind.rawValue)", "attempt": "\(attempts + 1)"])
            } catch {
                let attempt = attempts + 1
                if attempt >= settings.maxAttempts {
                    Counter(label: "inkwell_notifications_total", dimensions: [("outcome", "failed")]).increment()
                    logger.error("email failed for good", metadata: ["attempts": "\(attempt)", "error": "\(error)"])
                    try await finish(id, as: "failed", error: "\(error)", attempts: attempt, on: connection)
                } else {
                    let delay = min(60, Double(settings.retryBase.components.seconds) + Double(settings.retryBase.components.attoseconds) / 1e18) * pow(2, Double(attempt - 1))
                    let wait = min(delay, 60)
                    Counter(label: "inkwell_notifications_total", dimensions: [("outcome", "retried")]).increment()
                    logger.warning("email not sent, will retry", metadata: ["attempt": "\(attempt)", "retry_in_s": "\(wait)", "error": "\(error)"])
                    try await connection.query(
                        """
                        UPDATE notifications SET attempts = \(attempt), last_error = \("\(error)"),
                            next_attempt_at = now() + make_interval(secs => \(wait))
                        WHERE id = \(id)
                        """,
                        logger: logger
                    )
                }
            }
            return true
        }
    }

    private func finish(_ id: Int64, as status: String, error: String, attempts: Int? = nil, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE notifications SET status = \(status), last_error = \(error), attempts = coalesce(\(attempts), attempts) WHERE id = \(id)",
            logger: logger
        )
    }

    private func recordPendingGauge() async throws {
        let rows = try await database.query("SELECT count(*)::int FROM notifications WHERE status = 'pending'", logger: logger)
        for try await pending in rows.decode(Int.self) {
            Gauge(label: "inkwell_notifications_pending").record(pending)
        }
    }
}
