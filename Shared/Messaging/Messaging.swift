// Messaging: Inkwell's events between the database and Kafka. The transactional outbox (an event
// written with the change it describes) and its relay to the broker, the idempotent consumer that
// applies each event once in the transaction that records it (and dead-letters what keeps failing),
// the projection of users that posts and comments keep from the `user.*` events, the creation of
// the topics, and the retention sweep that forgets sent and handled events. The trace context goes
// with the events (`TraceContext`): stored with the outbox row, sent in the message's headers,
// handled in a span under the publisher's.
//
// Depends on Events, Kafka, Persistence, Basics, swift-metrics, swift-distributed-tracing and
// PostgresNIO; ServiceCore wires it into a service.
