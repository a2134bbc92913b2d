import Logging
import ServiceLifecycle

extension KafkaProducer {
    /// Creates the topics that are missing, retrying with backoff while the broker cannot be
    /// reached (a broker that is down at start-up never stops the service). Returns false only
    /// when the service is shutting down first.
    public func ensureTopics(_ names: [String], partitions: Int, logger: Logger) async -> Bool {
        var backoff = Duration.milliseconds(200)
        var attempt = 1
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await createTopics(names, partitions: partitions)
                logger.info("topics ready", metadata: ["topics": "\(names.joined(separator: ","))", "partitions": "\(partitions)"])
                return true
            } catch {
                logger.warning("broker not reachable yet; retrying", metadata: ["attempt": "\(attempt)", "retry_in": "\(backoff)", "error": "\(error)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
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
