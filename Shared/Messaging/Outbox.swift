import Events
import Foundation
import Logging
import NIOCore
import Persistence
import PostgresNIO
import Tracing

/// The transactional outbox: an event is written into the `outbox` table in the same database
/// transaction as the change it describes, and `OutboxRelay` publishes it afterwards.
public enum Outbox {
    /// Notified by every outbox write when its transaction commits; the relays listen there.
    public static let wakeupChannel = "inkwell_outbox"

    /// The outbox's tables, which every publishing service lists: the outbox, then what lets the
    /// relay set aside an event the broker can never accept (see ``OutboxRelay``), then the topic
    /// incarnations the relay published to (see `TopicIncarnations`).
    public static let migrations = MigrationGroup(
        "outbox",
        [
            Migration(
                name: "create the event outbox",
                statements: [
                    """
                    CREATE TABLE outbox (
                        position bigserial PRIMARY KEY,
                        event_id uuid NOT NULL UNIQUE,
                        event_type text NOT NULL,
                        topic text NOT NULL,
                        event_key text NOT NULL,
                        payload bytea NOT NULL,
                        traceparent text,
                        created_at timestamptz NOT NULL DEFAULT now(),
                        sent_at timestamptz,
                        attempts integer NOT NULL DEFAULT 0,
                        last_error text
                    )
                    """,
                    "CREATE INDEX outbox_pending ON outbox (position) WHERE sent_at IS NULL",
                ]
            ),
            Migration(
                name: "let the outbox relay set events aside",
                statements: [
                    "ALTER TABLE outbox ADD COLUMN set_aside_at timestamptz",
                    "DROP INDEX outbox_pending",
                    "CREATE INDEX outbox_pending ON outbox (position) WHERE sent_at IS NULL AND set_aside_at IS NULL",
                ]
            ),
            Migration(
                name: "record which incarnation of each topic the outbox published to",
                statements: [
                    "CREATE TABLE outbox_topics (topic text PRIMARY KEY, topic_id text NOT NULL, seen_at timestamptz NOT NULL DEFAULT now())"
                ]
            ),
        ]
    )

    /// Writes `event` on `connection`, which should be inside the transaction of the change, in a
    /// span of its own whose context is stored with the row: the relay's publish continues the trace.
    /// The relays are woken when the transaction commits. `occurredAt` orders the events of one
    /// entity for the projections: pass the database's `clock_timestamp()` of the change when
    /// several replicas on different hosts write them.
    @discardableResult
    public static func append<Event: DomainEvent>(
        _ event: Event,
        occurredAt: Date = Date(),
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> WrittenEvent {
        let envelope = EventEnvelope(event, occurredAt: occurredAt)
        let payload = try envelope.encoded()
        return try await withSpan("outbox write \(Event.type)", ofKind: .internal) { span in
            span.attributes["messaging.destination.name"] = Event.topic.rawValue
            span.attributes["inkwell.event_id"] = envelope.id.uuidString
            let traceparent = TraceContext.currentTraceparent()
            // One statement writes the row and sends the wake-up (delivered when the transaction commits).
            try await connection.query(
                """
                WITH written AS (
                    INSERT INTO outbox (event_id, event_type, topic, event_key, payload, traceparent)
                    VALUES (\(envelope.id), \(Event.type), \(Event.topic.rawValue), \(envelope.key), \(ByteBuffer(bytes: payload)), \(traceparent))
                    RETURNING 1
                )
                SELECT pg_notify(\(wakeupChannel), '') FROM written
                """,
                logger: logger
            ).consume()
            return WrittenEvent(id: envelope.id, type: Event.type, payload: payload)
        }
    }
}

/// An event written into the outbox: its id, its type and its envelope as it goes on the wire.
public struct WrittenEvent: Sendable, Equatable {
    public let id: UUID
    public let type: String
    public let payload: [UInt8]
}
