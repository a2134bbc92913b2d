import Basics
import Events
import Foundation
import HTTPCore
import Kafka
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceCore
import TestSupport
import Testing

extension MessagingTests {
    @Test("a broker that restarts without its log gets its topics back and every event the outbox holds")
    func brokerRestartedWithoutItsLog() async throws {
        try #require(TestKafka.tansuBinary != nil, "INKWELL_TANSU_BIN is not set")
        var (broker, port) = try await PrivateBroker.start()
        let brokers = "127.0.0.1:\(port)"
        do {
            try await TestDatabase.withScratchCore(schema: outboxSchema) { core in
                let producer = try KafkaProducer(configuration: TestKafka.configuration(brokers: brokers), logger: logger)
                let relay = OutboxRelay(client: core.database, producer: producer, topics: TopicProvisioning(partitions: 3), logger: logger)
                let run = UUID()
                func write(_ sequences: Range<Int>) async throws {
                    for sequence in sequences {
                        _ = try await core.database.withConnection { connection in
                            try await connection.withTransaction(logger: logger) { transaction in
                                try await Outbox.append(
                                    SequencedTestEvent(run: run, stream: "k\(sequence % 5)", sequence: sequence), on: transaction, logger: logger)
                            }
                        }
                    }
                }
                func allSent() async throws -> Bool {
                    try await eventually(timeout: .seconds(90), every: .milliseconds(200)) {
                        try await core.database.query("SELECT count(*) FROM outbox WHERE sent_at IS NULL", logger: logger).decode(Int.self)
                            .collect() == [0]
                    }
                }
                /// The sequences on the broker, read until `count` arrived (or a minute passed).
                func published(_ count: Int) async throws -> Set<Int> {
                    let received = try await consume(
                        EventTopic.users.rawValue, brokers: brokers, timeout: .seconds(60), matching: { Self.event(in: $0, of: run) != nil },
                        count: count)
                    return Set(received.compactMap { Self.event(in: $0, of: run)?.1.sequence })
                }

                try await whileRunning([relay]) {
                    try await write(0..<50)
                    #expect(try await allSent(), "the first 50 events are sent")
                    #expect(try await published(50) == Set(0..<50))

                    // The broker crashes and comes back empty, on the same address.
                    await broker.stop()
                    broker = try await PrivateBroker(listenPort: port, advertisedPort: port)
                    #expect(try await eventually(timeout: .seconds(10)) { await PrivateBroker.isListening(on: port) })

                    try await write(50..<100)
                    #expect(try await allSent(), "the events written after the restart are sent: the relay created the topic again")
                    #expect(try await published(100) == Set(0..<100), "the events the broker lost are published again")
                }
                await producer.close()
            }
        } catch {
            await broker.stop()
            throw error
        }
        await broker.stop()
    }
}
