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

    public static func database(_ client: PostgresClient, logger: Logger) -> ReadinessCheck {
        ReadinessCheck(name: "database") {
            try await client.query("SELECT 1", logger: logger)
        }
    }

    /// The broker answers a metadata request.
    public static func broker(_ producer: KafkaProducer, timeout: Duration) -> ReadinessCheck {
        ReadinessCheck(name: "broker") {
            try await producer.checkBroker(timeout: timeout)
        }
    }
}

/// `GET /health/live` (the process answers) and `GET /health/ready` (its dependencies answer in time;
/// 503 naming what is not ready otherwise).
public struct HealthController: Sendable {
    let checks: [ReadinessCheck]
    let timeout: Duration

    public init(checks: [ReadinessCheck], timeout: Duration) {
        self.checks = checks
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
        return ["status": "ready"]
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
