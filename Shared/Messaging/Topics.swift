import Basics
import Events
import Kafka
import Logging
import Synchronization

/// How a service comes by the topics it needs: it creates the missing ones (`KAFKA_CREATE_TOPICS`,
/// the default: with `partitions` partitions of `replicationFactor` replicas each), or, where the
/// cluster owns the topics, only checks that each is there with at least `partitions` partitions
/// (a dead-letter topic with one at least).
/// What such a check found wrong is kept here, for the service's readiness.
public final class TopicProvisioning: Sendable {
    public let partitions: Int
    public let replicationFactor: Int
    public let createsMissing: Bool
    /// Each topic found missing or short of partitions, with what is wrong with it.
    private let problems = Mutex<[String: String]>([:])

    public init(partitions: Int, replicationFactor: Int = 1, createsMissing: Bool = true) {
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.createsMissing = createsMissing
    }

    public convenience init(_ configuration: KafkaConfiguration) {
        self.init(
            partitions: configuration.partitions, replicationFactor: configuration.replicationFactor, createsMissing: configuration.createsTopics)
    }

    /// What the last checks found wrong, a line per topic (`users.dlq: missing`); empty when all were there.
    public var problemsFound: [String] {
        problems.withLock { problems in problems.keys.sorted().map { "\($0): \(problems[$0]!)" } }
    }

    /// The least partitions the topic `name` must have: `partitions` for an event topic, which a
    /// consumer group's replicas share, one for a dead-letter topic.
    func leastPartitions(of name: String) -> Int {
        EventTopic.isDeadLetterTopic(name) ? 1 : partitions
    }

    /// What is wrong with each of `names` that `described` (the broker's answer: partitions by
    /// topic) lacks, or has too few partitions of.
    func problems(of names: [String], described: [String: Int]) -> [String: String] {
        var found: [String: String] = [:]
        for name in names {
            guard let count = described[name] else {
                found[name] = "missing"
                continue
            }
            let least = leastPartitions(of: name)
            if count < least { found[name] = "\(count) partitions, needs at least \(least)" }
        }
        return found
    }

    /// Records what a check of `names` found: the problems of these topics are now `found`'s.
    func record(checked names: [String], found: [String: String]) {
        problems.withLock { problems in
            for name in names { problems[name] = found[name] }
        }
    }

    /// Checks `names` on the broker and records what it found; throws `MissingTopics` when any is wrong.
    func check(_ names: [String], on producer: KafkaProducer) async throws {
        let described = try await producer.topicPartitionsAndIDs(names).mapValues(\.partitions)
        let found = problems(of: names, described: described)
        record(checked: names, found: found)
        guard found.isEmpty else { throw MissingTopics(problems: found) }
    }
}

/// Topics a service needs that the broker lacks, where the service may not create them.
public struct MissingTopics: Error, CustomStringConvertible, Equatable {
    public let problems: [String: String]

    public var description: String {
        "topics missing on the broker, which KAFKA_CREATE_TOPICS=false leaves to the cluster to create: "
            + problems.keys.sorted().map { "\($0) (\(problems[$0]!))" }.joined(separator: ", ")
    }
}

extension KafkaProducer {
    /// Makes sure that the topics `names` are there: creates the missing ones, or (where the cluster
    /// owns the topics) waits until the cluster has them, saying what is missing. Retries with
    /// backoff while the broker cannot be reached (a broker that is down at start-up never stops the
    /// service). Returns false only when the service is shutting down first.
    public func ensureTopics(_ names: [String], _ provisioning: TopicProvisioning, logger: Logger) async -> Bool {
        var reported: MissingTopics?
        let ready: Void? = await Backoff(initial: .milliseconds(200)).retry {
            if provisioning.createsMissing {
                try await createTopics(names, partitions: provisioning.partitions, replicationFactor: provisioning.replicationFactor)
            } else {
                try await provisioning.check(names, on: self)
            }
        } onFailure: { error, attempt, _ in
            guard let missing = error as? MissingTopics else {
                logger.warning("broker not reachable yet; retrying", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                return
            }
            // Said again only when it changes: the check goes on every few seconds.
            if missing != reported { logger.error("not ready: \(missing)") }
            reported = missing
        }
        guard ready != nil else { return false }
        logger.info(
            provisioning.createsMissing ? "topics ready" : "topics found on the broker",
            metadata: ["topics": "\(names.joined(separator: ","))", "partitions": "\(provisioning.partitions)"]
        )
        return true
    }
}
