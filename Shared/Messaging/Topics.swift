import Logging
import ServiceLifecycle

extension KafkaProducer {
    /// Creates the topics that are missing, retrying with backoff while the broker cannot be
    /// reached (a broker that is down at start-up never stops the service). Returns false only
    /// when the service is shutting down first.
    public func ensureTopics(_ names: [String], partitions: Int, logger: Logger) async -> Bool {
        var backoff = Backoff(initial: .milliseconds(200))
        var attempt = 1
        while !Backoff.isStopping {
            do {
                try await createTopics(names, partitions: partitions)
                logger.info("topics ready", metadata: ["topics": "\(names.joined(separator: ","))", "partitions": "\(partitions)"])
                return true
            } catch {
                logger.warning("broker not reachable yet; retrying", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                guard await backoff.wait() else { return false }
                attempt += 1
            }
        }
        return false
    }
}

extension ReadinessCheck {
    /// The broker answers a metadata request.
    public static func broker(_ producer: KafkaProducer, timeout: Duration) -> ReadinessCheck {
        ReadinessCheck(name: "broker") {
            try await producer.checkBroker(timeout: timeout)
        }
    }
}
