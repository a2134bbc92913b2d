// Messaging: Inkwell's events between the database and Kafka. The transactional outbox (an event
// written with the change it describes) and its relay to the broker, the idempotent consumer that
// applies each event once in the transaction that records it (and dead-letters what keeps failing),
// the projection of users that posts and comments keep from the `user.*` events, the creation of
// the topics, and the retention sweep that forgets sent and handled events.
//
// Depends on Events, Kafka, Persistence, Basics, swift-metrics and PostgresNIO; ServiceCore wires
// it into a service.
