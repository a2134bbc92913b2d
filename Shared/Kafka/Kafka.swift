// Kafka: librdkafka (the CRdkafka system library) wrapped for Swift: a producer that keeps order and
// reports each delivery, a consumer-group member whose offsets are stored only for handled
// messages, topic creation and a broker check. It knows nothing of Inkwell's events or database;
// Messaging builds the outbox relay and the event consumer on it.
//
// Depends on CRdkafka, Basics, swift-log, swift-service-lifecycle and NIOPosix (its thread pool).
