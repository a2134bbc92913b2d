import Basics
import Kafka
import Logging

extension KafkaProducer {
    /// Creates the topics that are missing, retrying with backoff while the broker cannot be
    /// reached (a broker that is down at start-up never stops the service). Returns false only
    /// when the service is shutting down first.
    public func ensureTopics(_ names: [String], partitions: Int, logger: Logger) async -> Bool {
        let created: Void? = await Backoff(initial: .milliseconds(200)).retry {
            try await createTopics(names, partitions: partitions)
        } onFailure: { error, attempt, _ in
            logger.warning("broker not reachable yet; retrying", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
        }
        guard created != nil else { return false }
        logger.info("topics ready", metadata: ["topics": "\(names.joined(separator: ","))", "partitions": "\(partitions)"])
        return true
    }
}
