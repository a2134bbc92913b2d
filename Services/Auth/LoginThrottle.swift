import Basics
import Foundation
import HTTPKit
import HTTPTypes
import Logging
import Messaging
import PostgresNIO

/// Slows password guessing per account. After `freeFailures` failed logins for an email (known or
/// not, so that being throttled tells nothing about the account), each further failure locks that
/// email's logins for twice as long as the one before, from `firstLock` up to `longestLock`. A
/// locked login is refused before any hashing. The failures live in auth's database, so every
/// replica throttles alike; a successful login clears them, and the retention sweep forgets them
/// a day after the last one.
struct LoginThrottle: Sendable {
    let database: PostgresClient
    let freeFailures: Int
    let firstLock: Duration
    let longestLock: Duration

    init(database: PostgresClient, configuration: AuthConfiguration) {
        self.database = database
        self.freeFailures = configuration.loginFreeFailures
        self.firstLock = configuration.loginFirstLock
        self.longestLock = configuration.loginLongestLock
    }

    /// A 429 with `Retry-After` while `email`'s logins are locked.
    func checkAllowed(email: String, logger: Logger) async throws {
        let rows = try await database.query(
            """
            SELECT ceil(extract(epoch FROM locked_until - now()))::int FROM login_throttle
            WHERE email_key = lower(\(email)) AND locked_until > now()
            """,
            logger: logger
        )
        for try await seconds in rows.decode(Int.self) {
            let wait = max(seconds, 1)
            logger.notice("login refused: too many failed logins for this email", metadata: ["retry_after": "\(wait)"])
            throw ConduitError(
                .tooManyRequests, errors: ["email": ["has had too many failed logins, try again in \(wait) seconds"]],
                headers: [.retryAfter: String(wait)]
            )
        }
    }

    func recordFailure(email: String, logger: Logger) async throws {
        // The exponent is capped so that the doubling can never overflow an interval.
        try await database.query(
            """
            INSERT INTO login_throttle AS t (email_key, failures, locked_until)
            VALUES (lower(\(email)), 1, CASE WHEN 1 > \(freeFailures) THEN now() + make_interval(secs => \(firstLock.seconds)) END)
            ON CONFLICT (email_key) DO UPDATE SET
                failures = t.failures + 1,
                locked_until = CASE WHEN t.failures + 1 > \(freeFailures)
                    THEN now() + make_interval(secs => least(\(firstLock.seconds) * power(2, least(t.failures - \(freeFailures), 40)), \(longestLock.seconds)))
                    END,
                last_failure_at = now()
            """,
            logger: logger
        )
    }

    func recordSuccess(email: String, logger: Logger) async throws {
        try await database.query("DELETE FROM login_throttle WHERE email_key = lower(\(email))", logger: logger)
    }

    /// For the retention sweep: failures are forgotten a day after the last one.
    static let oldFailures = RetentionSweep.Target(name: "login failures") { _ in
        """
        DELETE FROM login_throttle WHERE email_key IN (
            SELECT email_key FROM login_throttle WHERE last_failure_at < now() - interval '1 day' LIMIT \(RetentionSweep.Target.batchSize))
        RETURNING 1
        """
    }
}
