import Basics
import Foundation
import Logging
import Messaging
import Metrics
import Persistence
import PostgresNIO
import ServiceLifecycle
import Tracing

/// Sends the pending notifications, one at a time, each in its own transaction that holds the
/// row's lock while the SMTP server is talked to (`FOR UPDATE SKIP LOCKED`: replicas never send
/// the same one). A sent email is recorded at once; a failed attempt is retried with exponential
/// backoff, and after `maxAttempts` the notification is marked failed.
///
/// It does not poll: a notification recorded wakes it when its transaction commits
/// (``DatabaseWakeups``); otherwise it looks when the next retry is due, and at least every
/// `NOTIFY_POLL_INTERVAL`.
///
/// The window for a second email: the SMTP server has accepted a message and the worker stops
/// (is killed, loses its database) before the transaction that records it commits. The row is
/// then still pending and is sent again; its `Message-ID` (`notification-<id>@…`) is the same.
struct NotificationSender: Service {
    let repository: NotificationRepository
    let mailer: SMTPMailer
    let settings: NotifierConfiguration
    let logger: Logger

    init(repository: NotificationRepository, mailer: SMTPMailer, settings: NotifierConfiguration, logger: Logger) {
        self.repository = repository
        self.mailer = mailer
        self.settings = settings
        self.logger = logger.component("sender")
    }

    func run() async throws {
        logger.info("sending notifications", metadata: ["smtp": "\(mailer.redactedURL)"])
        let pending = Gauge(label: "inkwell_notifications_pending")
        try await DatabaseWakeups.listening(on: NotificationRepository.wakeupChannel, client: repository.database, logger: logger) { wakeups in
            await cancelWhenGracefulShutdown {
                let stalls = Backoff(initial: .milliseconds(250))
                while !Backoff.isStopping {
                    let idle = await stalls.retry { () -> Duration in
                        if try await sendNext() { return .zero }
                        let backlog = try await repository.backlog(logger: logger)
                        pending.record(backlog.pending)
                        // One due but not taken is another replica's to send (or retry): it looks again after that.
                        guard let nextDue = backlog.nextDueIn, nextDue > .zero else { return settings.pollInterval }
                        return min(nextDue, settings.pollInterval)
                    } onFailure: { error, _, delay in
                        logger.warning("sending stalled, retrying", metadata: ["error": "\(DatabaseErrors.describe(error))", "retry_in": "\(delay)"])
                    }
                    guard let idle else { return }
                    if idle > .zero { await wakeups.wait(atMost: idle) }
                }
            }
        }
    }

    /// Handles the next due notification; false when none is due.
    func sendNext() async throws -> Bool {
        try await repository.withNextDue(logger: logger) { due, connection in
            var logger = self.logger
            logger[metadataKey: "notification_id"] = "\(due.id)"
            guard let kind = NotificationKind(rawValue: due.kind) else {
                try await NotificationRepository.markFailed(due.id, error: "unknown kind \(due.kind)", on: connection, logger: logger)
                return
            }
            // The recipient's (or the actor's) user.registered may come later than this event: wait for it.
            let age = Date().timeIntervalSince(due.createdAt)
            if due.recipientEmail == nil || (due.actorID != nil && due.actorName == nil && age < 60) {
                if due.recipientEmail == nil && age > settings.recipientWait.seconds {
                    logger.error("giving up a notification whose recipient never became known")
                    Counter(label: "inkwell_notifications_total", dimensions: [("outcome", "failed")]).increment()
                    try await NotificationRepository.markFailed(due.id, error: "recipient unknown", on: connection, logger: logger)
                } else {
                    try await NotificationRepository.retry(due.id, after: .seconds(1), on: connection, logger: logger)
                }
                return
            }
            let text = kind.text(recipient: due.recipientName ?? "", actor: due.actorName, title: due.title)
            let message = EmailMessage(
                from: settings.from, to: .init(name: due.recipientName ?? "", email: due.recipientEmail ?? ""),
                subject: text.subject, text: text.body, messageID: "notification-\(due.id)@inkwell.local", date: Date()
            )
            let attempt = due.attempts + 1
            // Each attempt is a span of the trace the notification was recorded in, however late it comes.
            try await withSpan("smtp send", context: TraceContext.context(traceparent: due.traceparent), ofKind: .client) { span in
                span.attributes["inkwell.notification_id"] = Int(due.id)
                span.attributes["inkwell.notification_kind"] = kind.rawValue
                span.attributes["inkwell.attempt"] = attempt
                do {
                    try await mailer.send(message)
                    try await NotificationRepository.markSent(due.id, on: connection, logger: logger)
                    Counter(label: "inkwell_notifications_total", dimensions: [("outcome", "sent")]).increment()
                    logger.info("email sent", metadata: ["kind": "\(kind.rawValue)", "attempt": "\(attempt)"])
                } catch {
                    span.recordError(error)
                    span.setStatus(SpanStatus(code: .error))
                    if attempt >= settings.maxAttempts {
                        Counter(label: "inkwell_notifications_total", dimensions: [("outcome", "failed")]).increment()
                        logger.error("email failed for good", metadata: ["attempts": "\(attempt)", "error": "\(error)"])
                        try await NotificationRepository.markFailed(due.id, error: "\(error)", attempts: attempt, on: connection, logger: logger)
                    } else {
                        let wait = settings.emailRetries.delay(afterFailure: attempt)
                        Counter(label: "inkwell_notifications_total", dimensions: [("outcome", "retried")]).increment()
                        logger.warning(
                            "email not sent, will retry", metadata: ["attempt": "\(attempt)", "retry_in_s": "\(wait.seconds)", "error": "\(error)"])
                        try await NotificationRepository.retry(
                            due.id, after: wait, attempt: attempt, error: "\(error)", on: connection, logger: logger)
                    }
                }
            }
        }
    }
}
