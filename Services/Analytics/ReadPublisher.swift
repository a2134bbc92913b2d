import Basics
import Events
import Kafka
import Logging
import Messaging
import Metrics
import ServiceLifecycle

/// Publishes the tally every `interval` as `article.read` events, straight to the broker (no
/// outbox: nothing on a read's way writes to the database). What the broker does not acknowledge
/// goes back into the tally for the next batch; a stopping replica publishes what it holds first.
struct ReadPublisher: Service {
    let tally: ReadTally
    let producer: KafkaProducer
    let interval: Duration
    let provisioning: TopicProvisioning
    let logger: Logger

    func run() async throws {
        let topics = [EventTopic.reads.rawValue, EventTopic.reads.deadLetterTopic]
        guard await producer.ensureTopics(topics, provisioning, logger: logger) else { return }
        while await Backoff.pause(interval) {
            await publishOnce()
        }
        await publishOnce()
    }

    /// Publishes what the tally holds; returns how many batches the broker acknowledged.
    @discardableResult
    func publishOnce() async -> Int {
        let batch = tally.take()
        guard !batch.isEmpty else { return 0 }
        var sent: [(ReadTally.Key, ReadTally.Counts, KafkaProducer.Delivery)] = []
        var failed: [ReadTally.Key: ReadTally.Counts] = [:]
        for (key, counts) in batch {
            do {
                let event = ReadTally.event(key, counts)
                let message = KafkaOutgoingMessage(topic: ArticleRead.topic.rawValue, key: event.key, value: try EventEnvelope(event).encoded())
                sent.append((key, counts, try producer.enqueue(message)))
            } catch {
                failed[key] = counts
            }
        }
        var acknowledged = 0
        for (key, counts, delivery) in sent {
            do {
                _ = try await delivery.acknowledged()
                acknowledged += 1
                Counter(label: "inkwell_reads_published_total").increment(by: counts.reads)
            } catch {
                failed[key] = counts
            }
        }
        if !failed.isEmpty {
            logger.warning("the broker did not take some batches of reads; they go with the next", metadata: ["batches": "\(failed.count)"])
            tally.putBack(failed)
        }
        return acknowledged
    }
}
