import Basics
import Foundation
import Settings

/// The notifier's own settings, read beside the shared ``ServiceConfiguration``.
struct NotifierConfiguration: Sendable {
    var smtp: SMTPMailer.Configuration
    var from: EmailMessage.Address
    /// Attempts per email before it is marked failed (`NOTIFY_MAX_ATTEMPTS`).
    var maxAttempts: Int
    /// The wait after the first failed attempt, doubled after each further one up to a minute (`NOTIFY_RETRY_BASE`).
    var retryBase: Duration
    /// How often the sender looks for due emails when nothing wakes it (`NOTIFY_POLL_INTERVAL`): a
    /// safety net, as each notification recorded wakes it.
    var pollInterval: Duration
    /// How long an email waits for its recipient's user.registered before it is given up (`NOTIFY_RECIPIENT_WAIT`).
    var recipientWait: Duration

    init(environment: EnvironmentReader) throws(ConfigurationError) {
        let url = environment.string("SMTP_URL", default: "smtp://127.0.0.1:2525")
        guard let components = URLComponents(string: url), ["smtp", "smtps"].contains(components.scheme), components.host?.isEmpty == false else {
            throw ConfigurationError(
                variable: "SMTP_URL", value: url, expected: "smtp://[user:password@]host:port[?starttls=required|try] or smtps://…")
        }
        let sender = environment.string("MAIL_FROM", default: "no-reply@inkwell.local")
        guard (try? EmailMessage.checked(sender)) != nil else {
            throw ConfigurationError(variable: "MAIL_FROM", value: sender, expected: "an email address")
        }
        self.smtp = SMTPMailer.Configuration(url: url, timeout: try environment.seconds("SMTP_TIMEOUT", default: 10, in: 0.5...300))
        self.from = EmailMessage.Address(name: environment.string("MAIL_FROM_NAME", default: "Inkwell"), email: sender)
        self.maxAttempts = try environment.integer("NOTIFY_MAX_ATTEMPTS", default: 8, in: 1...100)
        self.retryBase = try environment.seconds("NOTIFY_RETRY_BASE", default: 1, in: 0.01...3600)
        self.pollInterval = try environment.seconds("NOTIFY_POLL_INTERVAL", default: 5, in: 0.01...3600)
        self.recipientWait = try environment.seconds("NOTIFY_RECIPIENT_WAIT", default: 3600, in: 1...(7 * 86400))
    }

    /// The waits between an email's attempts: `retryBase`, doubling up to a minute.
    var emailRetries: Backoff { Backoff(initial: retryBase, maximum: .seconds(60)) }
}
