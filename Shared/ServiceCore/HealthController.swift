import Foundation
import HTTPKit
import Hummingbird
import Kafka
import Persistence
import PostgresNIO

/// Something `/health/ready` checks: it throws when its dependency cannot be used.
public struct ReadinessCheck: Sendable {
    public let name: String
    public let check: @Sendable () async throws -> Void

    public init(name: String, check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }

    /// Thrown by a check whose dependency answered but is not fit to serve: `reason` is the answer.
    public struct NotReady: Error {
        public let reason: String
    }

    /// The database answers through the pool; at once not ready while its monitor finds it unreachable.
    public static func database(_ client: PostgresClient, availability: DatabaseAvailability, logger: Logger) -> ReadinessCheck {
        ReadinessCheck(name: "database") {
            guard availability.isReachable else { throw DatabaseUnreachable() }
            try await client.query("SELECT 1", logger: logger)
        }
    }

    struct DatabaseUnreachable: Error, CustomStringConvertible {
        var description: String { "the database monitor finds it unreachable" }
    }
}

/// A dependency's state that `/health/ready` reports without depending on it (the broker's: writes
/// wait in the outbox and reads do not need it, so the service can serve requests without it).
public struct HealthDetail: Sendable {
    public let name: String
    public let state: @Sendable () -> String

    public init(name: String, state: @escaping @Sendable () -> String) {
        self.name = name
        self.state = state
    }
}

/// `GET /health/live` (the process answers; nothing outside it is asked) and `GET /health/ready` (it
/// can serve requests: its checks pass in time; 503 naming what is not ready otherwise), whose body
/// also carries the details' states.
public struct HealthController: Sendable {
    let checks: [ReadinessCheck]
    let details: [HealthDetail]
    let timeout: Duration

    public init(checks: [ReadinessCheck], details: [HealthDetail] = [], timeout: Duration) {
        self.checks = checks
        self.details = details
        self.timeout = timeout
    }

    public func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/health/live") { _, _ in ["status": "live"] }
        router.get("/health/ready") { _, context in try await ready(context: context) }
    }

    func ready(context: AppRequestContext) async throws -> [String: String] {
        let failures = await withTaskGroup(of: (String, String?).self) { group in
            for check in checks {
                group.addTask { (check.name, await Self.failure(of: check, within: timeout)) }
            }
            var failures: [String: [String]] = [:]
            for await (name, failure) in group {
                if let failure { failures[name] = [failure] }
            }
            return failures
        }
        guard failures.isEmpty else {
            context.logger.warning("not ready", metadata: ["failures": "\(failures)"])
            throw ConduitError(.serviceUnavailable, errors: failures)
        }
        var answer = ["status": "ready"]
        for detail in details { answer[detail.name] = detail.state() }
        return answer
    }

    /// Nil when the check passed in time, otherwise why it did not.
    static func failure(of check: ReadinessCheck, within timeout: Duration) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    try await check.check()
                    return nil
                } catch let notReady as ReadinessCheck.NotReady {
                    return notReady.reason
                } catch {
                    return "unreachable: \(DatabaseErrors.describe(error))"
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return "no answer within \(timeout)"
            }
            let first = await group.next() ?? "no answer"
            group.cancelAll()
            return first
        }
    }
}
