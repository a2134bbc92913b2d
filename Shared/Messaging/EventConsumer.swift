import Basics
import Events
import Foundation
import Kafka
import Logging
import Metrics
import Persistence
import PostgresNIO
import ServiceLifecycle
import Tracing

/// Handles one type of event inside the database transaction that records it as processed.
public struct EventHandler: Sendable {
    public let type: String
    let handle: @Sendable (IncomingEvent, PostgresConnection, Logger) async throws -> Void

    public init<Event: DomainEvent>(
        _: Event.Type,
        handle: @escaping @Sendable (Event, IncomingEvent, PostgresConnection, Logger) async throws -> Void
    ) {
        self.type = Event.type
        self.handle = { incoming, connection, logger in
            try await handle(try incoming.decode(Event.self), incoming, connection, logger)
        }
    }
}

/// Consumes topics with idempotent handlers: each event's effect and its id (in
/// `processed_events`) are written in one transaction, so a redelivered event changes nothing, and
/// the offset is stored only after that transaction committed. A message whose handler keeps
/// failing goes to `<topic>.dlq`, with the error in a header, and consumption goes on. While the
/// database is unreachable the consumer waits instead, so an outage sends nothing to the dead letters.
public struct EventConsumer: Service {
    let name: String
    let configuration: KafkaConfiguration
    let provisioning: TopicProvisioning
    let groupID: String
    let topics: [String]
    let deadLetters: KafkaProducer
    let applier: EventApplier
    let maxAttempts: Int
    let logger: Logger

    /// `name` identifies this consumer in `processed_events` (a service may run several); the
    /// replicas of a service share `groupID`, so each event goes to one of them. `provisioning`
    /// (by default as `configuration` says) gets the topics and their dead-letter topics.
    public init(
        name: String,
        configuration: KafkaConfiguration,
        provisioning: TopicProvisioning? = nil,
        groupID: String,
        topics: [String],
        deadLetters: KafkaProducer,
        client: PostgresClient,
        handlers: [EventHandler],
        maxAttempts: Int = 5,
        logger: Logger
    ) {
        self.name = name
        self.configuration = configuration
        self.provisioning = provisioning ?? TopicProvisioning(configuration)
        self.groupID = groupID
        self.topics = topics
        self.deadLetters = deadLetters
        self.applier = EventApplier(consumer: name, client: client, handlers: handlers)
        self.maxAttempts = maxAttempts
        self.logger = logger.component("consumer \(name)")
    }

    /// The table of handled event ids, which every consuming service lists.
    public static let migrations = MigrationGroup(
        "event_consumer",
        [
            Migration(
                name: "create the processed events table",
                statements: [
                    """
                    CREATE TABLE processed_events (
                        consumer text NOT NULL,
                        event_id uuid NOT NULL,
                        processed_at timestamptz NOT NULL DEFAULT now(),
                        PRIMARY KEY (consumer, event_id)
                    )
                    """
                ]
            )
        ]
    )

    public func run() async throws {
        let names = topics
        guard await deadLetters.ensureTopics(names + names.map(EventTopic.deadLetterTopic(of:)), provisioning, logger: logger) else { return }
        let consumer = try KafkaConsumer(configuration: configuration, groupID: groupID, topics: names, logger: logger)
        logger.info("consuming", metadata: ["topics": "\(names.joined(separator: ","))", "group": "\(groupID)"])
        await withGracefulShutdownHandler {
            do {
                for try await message in consumer.messages {
                    // A message left unsettled by a shutdown keeps its offset unstored: it comes again.
                    guard await process(message) != .interrupted else { break }
                    try consumer.storeOffset(of: message)
                }
            } catch is CancellationError {
                logger.info("consuming cancelled")
            } catch {
                logger.error("consuming failed", metadata: ["error": "\(error)"])
            }
        } onGracefulShutdown: {
            consumer.stop()
        }
        await consumer.close()
    }

    enum Outcome: String {
        case applied, duplicate, ignored, deadLettered
        /// The service began to stop while the message was still being retried.
        case interrupted
    }

    @discardableResult
    func process(_ message: KafkaMessage) async -> Outcome {
        let event: IncomingEvent
        do {
            event = try IncomingEvent(payload: message.value)
        } catch {
            return await deadLetter(message, reason: "not an event envelope: \(error)", attempts: 1) ? .deadLettered : .interrupted
        }
        var logger = self.logger
        logger[metadataKey: "event_id"] = "\(event.id)"
        logger[metadataKey: "event_type"] = "\(event.type)"
        guard let handler = applier.handler(for: event.type) else {
            logger.trace("no handler for this event type")
            return .ignored
        }
        // Handled in a span under the publisher's (the message's headers carry its context), so
        // that whatever the handler records (a notification) stays in the event's trace.
        return await withSpan("handle \(event.type)", context: TraceContext.context(of: message), ofKind: .consumer) { span in
            span.attributes["messaging.system"] = "kafka"
            span.attributes["messaging.destination.name"] = message.topic
            span.attributes["messaging.consumer.group.name"] = groupID
            span.attributes["inkwell.event_id"] = event.id.uuidString
            let outcome = await handle(event, with: handler, message: message, logger: logger)
            span.attributes["inkwell.outcome"] = outcome.rawValue
            if outcome == .deadLettered { span.setStatus(SpanStatus(code: .error, message: "dead-lettered")) }
            return outcome
        }
    }

    private func handle(_ event: IncomingEvent, with handler: EventHandler, message: KafkaMessage, logger: Logger) async -> Outcome {
        // Only the handler's own failures count towards the dead letters, not the database's absence.
        var failures = 0
        do {
            let applied = try await Backoff(initial: .milliseconds(50)).retry {
                try await applier.apply(event, with: handler, logger: logger)
            } onFailure: { (error, _, _) throws(HandlerGaveUp) in
                if DatabaseErrors.isUnreachable(error) {
                    logger.warning("database unreachable; will retry the event", metadata: ["error": "\(error)"])
                    return
                }
                failures += 1
                let reason = String(describing: DatabaseErrors.unwrap(error))
                logger.warning("event handler failed", metadata: ["attempt": "\(failures)", "error": "\(reason)"])
                if failures >= maxAttempts { throw HandlerGaveUp(reason: reason) }
            }
            guard let applied else {
                logger.info("stopping while an event is retried; it will be delivered again")
                return .interrupted
            }
            Counter(label: "inkwell_events_consumed_total", dimensions: [("consumer", name), ("outcome", applied ? "applied" : "duplicate")])
                .increment()
            // The consumer's lag, in time: how long ago the event it just handled happened (the
            // outbox's and the broker's wait included).
            Gauge(label: "inkwell_consumer_lag_seconds", dimensions: [("consumer", name)]).record(Date().timeIntervalSince(event.occurredAt))
            return applied ? .applied : .duplicate
        } catch {
            return await deadLetter(message, reason: error.reason, attempts: failures) ? .deadLettered : .interrupted
        }
    }

    /// The handler failed `maxAttempts` times.
    private struct HandlerGaveUp: Error {
        let reason: String
    }

    /// Writes the message to its dead-letter topic, retrying while the broker refuses; false when
    /// the service began to stop first.
    private func deadLetter(_ message: KafkaMessage, reason: String, attempts: Int) async -> Bool {
        let topic = EventTopic.deadLetterTopic(of: message.topic)
        let headers =
            message.headers + [
                KafkaHeader(name: EventHeaders.error, string: reason),
                KafkaHeader(name: EventHeaders.originalTopic, string: message.topic),
                KafkaHeader(name: EventHeaders.attempts, string: String(attempts)),
            ]
        logger.error(
            "moving a message to the dead-letter topic", metadata: ["topic": "\(topic)", "offset": "\(message.offset)", "reason": "\(reason)"])
        let sent = await Backoff(initial: .milliseconds(100)).retry {
            try await deadLetters.send(KafkaOutgoingMessage(topic: topic, key: message.key, value: message.value, headers: headers))
        } onFailure: { error, _, _ in
            logger.warning("could not write the dead letter; retrying", metadata: ["error": "\(error)"])
        }
        guard sent != nil else { return false }
        Counter(label: "inkwell_events_dead_lettered_total", dimensions: [("consumer", name)]).increment()
        return true
    }
}
