import Events
import Kafka
import Logging
import Metrics
import Persistence
import PostgresNIO
import Synchronization

/// Which incarnation of each topic the outbox has published to, and what to do when the broker
/// has lost one. A topic the broker creates anew gets a new topic id, and everything published to
/// the old one is gone with it: the native stack's Tansu keeps its log in memory, so a broker that
/// crashed comes back with no topics at all. The outbox still holds every event it sent (until the
/// retention sweep), so the relay creates the missing topics and publishes again all of the topic's
/// events it holds; consumers record what they handled, so an event they had already seen changes
/// nothing. With a broker that keeps its log (Apache Kafka), ids never change and this costs one
/// metadata request per batch.
final class TopicIncarnations: Sendable {
    let producer: KafkaProducer
    let provisioning: TopicProvisioning
    /// The least time between two looks while the relay has nothing to publish (it looks once per
    /// safety-net interval then), so that events lost while it was idle are published again too.
    let idleCheckInterval: Duration
    private let lastCheck = Mutex<ContinuousClock.Instant?>(nil)
    private let replayedEvents = Counter(label: "inkwell_outbox_replayed_total")

    init(producer: KafkaProducer, provisioning: TopicProvisioning, idleCheckInterval: Duration = .seconds(2)) {
        self.producer = producer
        self.provisioning = provisioning
        self.idleCheckInterval = idleCheckInterval
    }

    /// Before a batch for `topics` (none when the outbox is idle), inside the relay's transaction:
    /// creates the topics the broker lacks, and marks unsent again every event of a topic whose
    /// incarnation changed. Returns how many events it marked, so that the relay starts over from
    /// the oldest of them and each key's events keep their order.
    func replayLostEvents(before topics: Set<String>, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let now = ContinuousClock.now
        let due = lastCheck.withLock { last in last.map { now - $0 >= idleCheckInterval } ?? true }
        guard !topics.isEmpty || due else { return 0 }
        var recorded: [String: String] = [:]
        for try await (topic, id) in try await connection.query("SELECT topic, topic_id FROM outbox_topics", logger: logger).decode(
            (String, String).self)
        {
            recorded[topic] = id
        }
        let checked = topics.union(recorded.keys)
        guard !checked.isEmpty else { return 0 }
        let described = try await producer.topicPartitionsAndIDs(Array(checked))
        var current = described.mapValues(\.id)
        if !provisioning.createsMissing {
            // The cluster owns the topics: wait for it (the relay retries), and say so in readiness.
            let problems = provisioning.problems(of: Array(checked), described: described.mapValues(\.partitions))
            provisioning.record(checked: Array(checked), found: problems)
            guard problems.isEmpty else { throw MissingTopics(problems: problems) }
        }
        if current.count < checked.count {
            logger.warning("topics missing on the broker; creating them", metadata: ["topics": "\(checked.subtracting(current.keys).sorted())"])
            let eventTopics = EventTopic.allCases.map(\.rawValue)
            try await producer.createTopics(
                Array(checked.union(eventTopics + eventTopics.map(EventTopic.deadLetterTopic(of:)))), partitions: provisioning.partitions,
                replicationFactor: provisioning.replicationFactor)
            current = try await producer.topicIDs(Array(checked))
            guard current.count == checked.count else {
                throw KafkaError(code: -1, message: "topics still missing after creating them: \(checked.subtracting(current.keys).sorted())")
            }
        }
        var replayed = 0
        for topic in checked.sorted() {
            let id = current[topic]!
            guard let previous = recorded[topic] else {
                try await connection.query("INSERT INTO outbox_topics (topic, topic_id) VALUES (\(topic), \(id))", logger: logger)
                continue
            }
            guard previous != id else { continue }
            let marked = try await connection.query(
                """
                WITH marked AS (UPDATE outbox SET sent_at = NULL WHERE topic = \(topic) AND sent_at IS NOT NULL RETURNING 1)
                SELECT count(*) FROM marked
                """,
                logger: logger
            )
            var count = 0
            for try await value in marked.decode(Int.self) { count = value }
            try await connection.query("UPDATE outbox_topics SET topic_id = \(id), seen_at = now() WHERE topic = \(topic)", logger: logger)
            logger.warning(
                "the broker lost this topic's log (it has a new id): publishing again every event of it the outbox holds",
                metadata: ["topic": "\(topic)", "previous_id": "\(previous)", "id": "\(id)", "events": "\(count)"]
            )
            replayedEvents.increment(by: count)
            replayed += count
        }
        lastCheck.withLock { $0 = now }
        return replayed
    }
}
