import Events
import Kafka
import Messaging
import Persistence
import PostgresNIO

/// A broker and a scratch database of the test's own, with a producer to publish events as the
/// other services' relays would. Every topic exists before anything is published, as it does once
/// any service has started.
public struct EventWorld: Sendable {
    public let brokers: String
    public let databaseURL: String
    public let database: PostgresClient
    public let producer: KafkaProducer
    public let tokens: TokenFactory

    /// Runs `body` in a world whose topics have `partitions` partitions each (one: an event published
    /// last on a topic is also consumed last), then stops its broker.
    public static func run(partitions: Int, _ body: @Sendable (EventWorld) async throws -> Void) async throws {
        try await TestDatabase.withScratchDatabase { url in
            let (broker, port) = try await PrivateBroker.start()
            let brokers = "127.0.0.1:\(port)"
            do {
                let database = PostgresClient(configuration: try DatabaseConfiguration(url: url, variable: "test").postgresClientConfiguration)
                let producer = try KafkaProducer(configuration: TestKafka.configuration(brokers: brokers), logger: TestKafka.logger)
                try await whileRunning([database, producer]) {
                    let topics = EventTopic.allCases.flatMap { [$0.rawValue, $0.deadLetterTopic] }
                    guard
                        try await withDeadline(
                            .seconds(30), "creating topics",
                            { await producer.ensureTopics(topics, TopicProvisioning(partitions: partitions), logger: TestKafka.logger) })
                    else {
                        throw TimedOut(what: "creating topics")
                    }
                    try await body(EventWorld(brokers: brokers, databaseURL: url, database: database, producer: producer, tokens: TokenFactory()))
                }
            } catch {
                await broker.stop()
                throw error
            }
            await broker.stop()
        }
    }
}
