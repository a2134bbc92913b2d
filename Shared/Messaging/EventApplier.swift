import Events
import Logging
import PostgresNIO

/// Applies events with idempotent handlers: each event's effect and its id (in `processed_events`,
/// under the consumer's name) are written in one transaction, so an event applied twice, whichever
/// way it came (the broker, or pushed by the service that wrote it), changes nothing the second time.
public struct EventApplier: Sendable {
    let consumer: String
    let client: PostgresClient
    let handlers: [String: EventHandler]

    public init(consumer: String, client: PostgresClient, handlers: [EventHandler]) {
        self.consumer = consumer
        self.client = client
        self.handlers = Dictionary(handlers.map { ($0.type, $0) }) { $1 }
    }

    public func handler(for type: String) -> EventHandler? {
        handlers[type]
    }

    /// Applies the handler and records the event in one transaction; false when it was already recorded.
    public func apply(_ event: IncomingEvent, with handler: EventHandler, logger: Logger) async throws -> Bool {
        try await client.withConnection { connection in
            try await connection.withTransaction(logger: logger) { transaction in
                var inserted = false
                for try await _ in try await transaction.query(
                    "INSERT INTO processed_events (consumer, event_id) VALUES (\(consumer), \(event.id)) ON CONFLICT DO NOTHING RETURNING event_id",
                    logger: logger
                ) {
                    inserted = true
                }
                guard inserted else { return false }
                try await handler.handle(event, transaction, logger)
                return true
            }
        }
    }
}
