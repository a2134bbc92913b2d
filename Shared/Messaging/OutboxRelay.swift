import Basics
import Events
import Foundation
import Kafka
import Logging
import Metrics
import NIOCore
import Persistence
import PostgresNIO
import ServiceLifecycle
import Tracing

/// Publishes the outbox's pending rows in order and marks them sent only on the broker's delivery
/// report. Any number of replicas may run it: each batch is taken under a transaction-scoped
/// advisory lock, so one replica publishes at a time and the order of events with one key holds.
/// While the broker is away it retries with backoff; nothing is marked sent that was not delivered.
///
/// An event the broker can never accept (larger than it takes, or malformed) must not hold up the
/// ones after it: it is set aside (`set_aside_at`, with the error), logged, and counted in
/// `inkwell_outbox_set_aside_total`, and the relay goes on.
///
/// A replica that dies after the broker acknowledged a batch but before its transaction committed
/// leaves those rows pending, and they are published again: consumers are idempotent for this.
///
/// It does not poll: each outbox write notifies ``Outbox/wakeupChannel`` when its transaction
/// commits, which wakes the relays (``DatabaseWakeups``); they also look every `safetyNetInterval`.
public struct OutboxRelay: Service {
    /// Keeps the relays of all services apart from the migration runner's lock.
    static let advisoryLockKey: Int64 = 0x1_4B77_0B0C

    let client: PostgresClient
    let producer: KafkaProducer
    let logger: Logger
    let batchSize: Int
    let safetyNetInterval: Duration
    let topics: TopicProvisioning
    private let published = Counter(label: "inkwell_outbox_published_total")
    private let setAside = Counter(label: "inkwell_outbox_set_aside_total")
    /// Events waiting to be published (measured by each replica whenever it has published what it found).
    private let backlog = Gauge(label: "inkwell_outbox_pending")
    let incarnations: TopicIncarnations

    public init(
        client: PostgresClient,
        producer: KafkaProducer,
        topics: TopicProvisioning,
        logger: Logger,
        batchSize: Int = 500,
        safetyNetInterval: Duration = .seconds(5)
    ) {
        self.client = client
        self.producer = producer
        self.logger = logger.component("outbox-relay")
        self.batchSize = batchSize
        self.safetyNetInterval = safetyNetInterval
        self.topics = topics
        self.incarnations = TopicIncarnations(producer: producer, provisioning: topics)
    }

    public func run() async throws {
        guard await producer.ensureTopics(EventTopic.allCases.map(\.rawValue), topics, logger: logger) else { return }
        try await DatabaseWakeups.listening(on: Outbox.wakeupChannel, client: client, logger: logger) { wakeups in
            let backoff = Backoff(initial: .milliseconds(100))
            while !Backoff.isStopping {
                let settled = await backoff.retry {
                    let settled = try await publishBatch()
                    if settled < batchSize { backlog.record(try await pendingCount()) }
                    return settled
                } onFailure: { error, _, _ in
                    logger.warning("publishing the outbox failed; retrying", metadata: ["error": "\(error)"])
                }
                guard let settled else { break }
                if settled < batchSize { await wakeups.wait(atMost: safetyNetInterval) }
            }
        }
    }

    func pendingCount() async throws -> Int {
        let rows = try await client.query("SELECT count(*)::int FROM outbox WHERE sent_at IS NULL AND set_aside_at IS NULL", logger: logger)
        for try await pending in rows.decode(Int.self) { return pending }
        return 0
    }

    private struct PendingRow {
        let position: Int64
        let eventType: String
        let topic: String
        let key: String
        let payload: [UInt8]
        let traceparent: String?
    }

    /// Events the broker did not acknowledge; they stay pending, their attempt recorded.
    struct UndeliveredEvents: Error, CustomStringConvertible {
        let count: Int
        let error: any Error
        var description: String { "\(count) events were not delivered (they stay pending): \(error)" }
    }

    /// Publishes one batch; returns how many rows it settled, sent or set aside (0 when another
    /// replica holds the lock). Throws `UndeliveredEvents` after recording their attempt.
    func publishBatch() async throws -> Int {
        let (settled, undelivered) = try await client.withConnection { connection -> (Int, UndeliveredEvents?) in
            try await connection.withTransaction(logger: logger) { transaction in
                var locked = false
                for try await granted in try await transaction.query("SELECT pg_try_advisory_xact_lock(\(Self.advisoryLockKey))", logger: logger)
                    .decode(Bool.self)
                {
                    locked = granted
                }
                guard locked else { return (0, nil) }
                var rows: [PendingRow] = []
                let query: PostgresQuery = """
                    SELECT position, event_type, topic, event_key, payload, traceparent FROM outbox
                    WHERE sent_at IS NULL AND set_aside_at IS NULL ORDER BY position LIMIT \(batchSize)
                    """
                for try await (position, eventType, topic, key, payload, traceparent) in try await transaction.query(query, logger: logger)
                    .decode((Int64, String, String, String, ByteBuffer, String?).self)
                {
                    rows.append(
                        PendingRow(
                            position: position, eventType: eventType, topic: topic, key: key, payload: Array(payload.readableBytesView),
                            traceparent: traceparent))
                }
                if try await incarnations.replayLostEvents(before: Set(rows.map(\.topic)), on: transaction, logger: logger) > 0 {
                    // They are pending again, from the oldest: every relay starts over once this commits.
                    try await DatabaseWakeups.notify(Outbox.wakeupChannel, on: transaction, logger: logger)
                    return (0, nil)
                }
                guard !rows.isEmpty else { return (0, nil) }

                // Enqueue in order, then wait: librdkafka keeps the order within each partition.
                // Each message's publish span continues the trace stored with its row, and ends
                // with the broker's delivery report; the message carries the span's context on.
                var deliveries: [(Int64, any Span, Result<KafkaProducer.Delivery, any Error>)] = []
                for row in rows {
                    let span = startSpan("publish \(row.eventType)", context: TraceContext.context(traceparent: row.traceparent), ofKind: .producer)
                    span.attributes["messaging.system"] = "kafka"
                    span.attributes["messaging.destination.name"] = row.topic
                    let headers = [KafkaHeader(name: EventHeaders.eventType, string: row.eventType)] + TraceContext.kafkaHeaders(for: span.context)
                    let message = KafkaOutgoingMessage(topic: row.topic, key: row.key, value: row.payload, headers: headers)
                    deliveries.append((row.position, span, Result { try producer.enqueue(message) }))
                }
                var sent: [Int64] = []
                var rejected: [(position: Int64, error: KafkaError)] = []
                var failure: (any Error)?
                for (position, span, delivery) in deliveries {
                    defer { span.end() }
                    do {
                        _ = try await delivery.get().acknowledged()
                        sent.append(position)
                    } catch let error as KafkaError where error.rejectsTheMessage {
                        span.recordError(error)
                        rejected.append((position, error))
                    } catch {
                        span.recordError(error)
                        failure = failure ?? error
                    }
                }
                if !sent.isEmpty {
                    try await transaction.query("UPDATE outbox SET sent_at = now() WHERE position = ANY(\(sent))", logger: logger)
                    published.increment(by: sent.count)
                }
                for (position, error) in rejected {
                    try await transaction.query(
                        "UPDATE outbox SET set_aside_at = now(), attempts = attempts + 1, last_error = \(error.description) WHERE position = \(position)",
                        logger: logger
                    )
                    let row = rows.first { $0.position == position }
                    logger.error(
                        "the broker cannot accept this event; it is set aside and the relay goes on",
                        metadata: [
                            "position": "\(position)", "event_type": "\(row?.eventType ?? "?")", "bytes": "\(row?.payload.count ?? 0)",
                            "error": "\(error)",
                        ]
                    )
                    setAside.increment()
                }
                logger.debug("published outbox batch", metadata: ["sent": "\(sent.count)"])
                guard let failure else { return (sent.count + rejected.count, nil) }
                let settled = Set(sent + rejected.map(\.position))
                let failed = rows.map(\.position).filter { !settled.contains($0) }
                try await transaction.query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = \(String(describing: failure)) WHERE position = ANY(\(failed))",
                    logger: logger
                )
                return (sent.count + rejected.count, UndeliveredEvents(count: failed.count, error: failure))
            }
        }
        // Thrown after the commit, so that the relay retries with backoff rather than wait for a wake-up.
        if let undelivered { throw undelivered }
        return settled
    }
}
