import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import TestSupport
import Testing

@testable import Basics
@testable import Events
@testable import HTTPCore
@testable import HTTPKit
@testable import Kafka
@testable import Messaging
@testable import Persistence
@testable import ServiceCore
@testable import Settings

@Suite("Events (no broker)")
struct EventEnvelopeTests {
    @Test("an envelope carries id, type, version, occurredAt, key and data, with millisecond UTC timestamps")
    func envelopeShape() throws {
        let userID = UUID()
        let envelope = EventEnvelope(
            UserFollowed(follow: FollowRelation(followerID: userID, followeeID: UUID())),
            occurredAt: Date(timeIntervalSince1970: 1_455_765_776.637)
        )
        let json = try #require(try JSONSerialization.jsonObject(with: Data(envelope.encoded())) as? [String: Any])
        #expect(Set(json.keys) == ["id", "type", "version", "occurredAt", "key", "data"])
        #expect(json["type"] as? String == "user.followed")
        #expect(json["version"] as? Int == 1)
        #expect(json["occurredAt"] as? String == "2016-02-18T03:22:56.637Z")
        #expect(json["key"] as? String == userID.uuidString.lowercased())

        let incoming = try IncomingEvent(payload: envelope.encoded())
        #expect(incoming.id == envelope.id)
        #expect(incoming.type == UserFollowed.type)
        #expect(try incoming.decode(UserFollowed.self) == envelope.data)
        #expect(throws: DecodingError.self) { try incoming.decode(UserRegistered.self) }
    }

    @Test("a message that is not an envelope is rejected")
    func garbage() {
        #expect(throws: (any Error).self) { try IncomingEvent(payload: Array("{\"hello\":1}".utf8)) }
        #expect(throws: (any Error).self) { try IncomingEvent(payload: Array("not json".utf8)) }
    }

    @Test("a comment event keeps the first 200 characters of the body")
    func commentExcerpt() {
        let event = CommentCreated(
            commentID: 7, articleID: UUID(), articleSlug: "a", articleAuthorID: UUID(), articleTitle: "A", authorID: UUID(),
            body: String(repeating: "é", count: 300))
        #expect(event.excerpt.count == 200)
        #expect(event.key == "7")
    }

    @Test("a bad KAFKA_BROKERS value stops start-up, naming the variable")
    func badBrokers() {
        #expect(throws: ConfigurationError.self) {
            try testConfiguration(extra: ["KAFKA_BROKERS": "localhost"])
        }
        #expect(throws: ConfigurationError.self) {
            try testConfiguration(extra: ["KAFKA_BROKERS": "broker:port"])
        }
        #expect((try? testConfiguration(extra: ["KAFKA_BROKERS": "a:9092,b:9093"]))?.kafka.bootstrapServers == "a:9092,b:9093")
    }

    @Test("an unreachable broker fails the broker check with librdkafka's reason, without crashing")
    func unreachableBroker() async throws {
        var configuration = TestKafka.configuration(brokers: "127.0.0.1:1")
        configuration.messageTimeout = .seconds(1)
        let producer = try KafkaProducer(configuration: configuration, logger: TestKafka.logger)
        await #expect(throws: KafkaError.self) { try await producer.checkBroker(timeout: .milliseconds(500)) }
        await #expect(throws: KafkaError.self) { try await producer.send(KafkaOutgoingMessage(topic: "t", key: "k", value: [1])) }
        await producer.close(timeout: .milliseconds(100))
    }

    @Test("librdkafka's errors carry its message, and a bad property is named")
    func badProperty() {
        var configuration = TestKafka.configuration()
        configuration.extraProperties = ["no.such.property": "1"]
        do {
            _ = try KafkaProducer(configuration: configuration, logger: TestKafka.logger)
            Issue.record("a bad property was accepted")
        } catch {
            #expect("\(error)".contains("no.such.property"))
        }
    }
}

@Suite("Messaging against the real broker and PostgreSQL", .enabled(if: TestKafka.isAvailable), .serialized)
struct MessagingTests {
    let logger = TestKafka.logger

    /// Reads `topic` from the start with a fresh group until `count` messages that match arrived
    /// (or `timeout` passed); returns those.
    func consume(
        _ topic: String,
        brokers: String? = nil,
        timeout: Duration = .seconds(120),
        matching: @escaping @Sendable (KafkaMessage) -> Bool = { _ in true },
        count: Int,
        distinctBy identity: (@Sendable (KafkaMessage) -> Int?)? = nil
    ) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: TestKafka.configuration(brokers: brokers), groupID: TestKafka.uniqueName("reader"), topics: [topic], logger: logger)
        let received = try await withThrowingTaskGroup(of: [KafkaMessage]?.self) { group in
            group.addTask {
                var received: [KafkaMessage] = []
                // At-least-once: after an outage a message may come twice, and must not count twice.
                var distinct = Set<Int?>()
                for try await message in consumer.messages where matching(message) {
                    received.append(message)
                    if let identity { distinct.insert(identity(message)) }
                    if (identity == nil ? received.count : distinct.count) >= count { break }
                }
                return received
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                consumer.stop()
                return nil
            }
            let received = try await group.next()!
            consumer.stop()
            group.cancelAll()
            return received ?? []
        }
        await consumer.close()
        return received
    }

    /// The test event of `run` that `message` carries, with its event id.
    static func event(in message: KafkaMessage, of run: UUID) -> (UUID, SequencedTestEvent)? {
        guard let incoming = try? IncomingEvent(payload: message.value), incoming.type == SequencedTestEvent.type,
            let event = try? incoming.decode(SequencedTestEvent.self), event.run == run
        else { return nil }
        return (incoming.id, event)
    }

    @Test("a message and its headers make the round trip")
    func roundTrip() async throws {
        let topic = TestKafka.uniqueName("roundtrip")
        let producer = try KafkaProducer(configuration: TestKafka.configuration(), logger: logger)
        try await producer.createTopics([topic], partitions: 1)
        let headers = [
            KafkaHeader(name: "traceparent", string: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            KafkaHeader(name: "bin", value: [0, 1, 2, 255]),
        ]
        let report = try await producer.send(KafkaOutgoingMessage(topic: topic, key: "key-1", value: Array("hello".utf8), headers: headers))
        #expect(report.topic == topic)
        #expect(report.offset >= 0)

        let received = try await consume(topic, timeout: .seconds(60), count: 1)
        let message = try #require(received.first)
        #expect(message.keyString == "key-1")
        #expect(message.value == Array("hello".utf8))
        #expect(message.headers == headers)
        await producer.close()
    }

    @Test("10,000 events through the outbox with two relays arrive once each, in order per key")
    func outboxTwoRelays() async throws {
        try await TestDatabase.withScratchCore(schema: outboxSchema) { core in
            let run = UUID()
            let producers = [
                try KafkaProducer(configuration: TestKafka.configuration(), logger: logger),
                try KafkaProducer(configuration: TestKafka.configuration(), logger: logger),
            ]
            let relays = producers.map {
                OutboxRelay(client: core.database, producer: $0, topics: TopicProvisioning(partitions: 3), logger: logger, batchSize: 200)
            }
            let total = 10_000
            let streams = 50

            let (mine, ids) = try await whileRunning(relays) {
                // Write while the relays run, 100 events per transaction.
                for batch in 0..<(total / 100) {
                    _ = try await core.database.withConnection { connection in
                        try await connection.withTransaction(logger: logger) { transaction in
                            for index in (batch * 100)..<((batch + 1) * 100) {
                                let event = SequencedTestEvent(run: run, stream: "s\(index % streams)-\(run)", sequence: index / streams)
                                try await Outbox.append(event, on: transaction, logger: logger)
                            }
                        }
                    }
                }
                let received = try await consume(EventTopic.users.rawValue, matching: { Self.event(in: $0, of: run) != nil }, count: total)
                let mine = received.compactMap { Self.event(in: $0, of: run) }
                let sent = try await eventually(timeout: .seconds(30)) {
                    try await core.database.query("SELECT count(*) FROM outbox WHERE sent_at IS NULL", logger: logger).decode(Int.self).collect()
                        == [0]
                }
                #expect(sent, "every outbox row is marked sent")
                return (mine.map(\.1), mine.map(\.0))
            }
            for producer in producers { await producer.close() }

            #expect(mine.count == total)
            #expect(Set(ids).count == total, "every event arrives once")
            let byStream = Dictionary(grouping: mine, by: \.stream)
            #expect(byStream.count == streams)
            for (stream, events) in byStream {
                #expect(events.map(\.sequence) == Array(0..<(total / streams)), "events of \(stream) in order")
            }
        }
    }

    @Test("events written while the broker is unreachable for 10 s are all delivered afterwards")
    func brokerOutage() async throws {
        try #require(TestKafka.tansuBinary != nil, "INKWELL_TANSU_BIN is not set")
        let brokerPort = try await freePort()
        let proxy = try await TCPProxy(targetPort: brokerPort)
        let broker = try await PrivateBroker(listenPort: brokerPort, advertisedPort: proxy.port)
        let listening = try await eventually(timeout: .seconds(10)) { await PrivateBroker.isListening(on: brokerPort) }
        try #require(listening, "the private broker listens on \(brokerPort)")
        do {
            try await outage(through: proxy)
        } catch {
            await broker.stop()
            await proxy.close()
            throw error
        }
        await broker.stop()
        await proxy.close()
    }

    func outage(through proxy: TCPProxy) async throws {
        let brokers = "127.0.0.1:\(proxy.port)"
        try await TestDatabase.withScratchCore(schema: outboxSchema) { core in
            let producer = try KafkaProducer(configuration: TestKafka.configuration(brokers: brokers), logger: logger)
            let relay = OutboxRelay(client: core.database, producer: producer, topics: TopicProvisioning(partitions: 3), logger: logger)
            try await whileRunning([relay]) {
                let run = UUID()
                let total = 300
                let clock = ContinuousClock()
                let start = clock.now
                var cut = false
                var restored = false
                for index in 0..<total {
                    let elapsed = clock.now - start
                    if !cut && elapsed > .seconds(2) {
                        proxy.cut()
                        cut = true
                    }
                    if cut && !restored && elapsed > .seconds(12) {
                        proxy.restore()
                        restored = true
                    }
                    _ = try await core.database.withConnection { connection in
                        try await connection.withTransaction(logger: logger) { transaction in
                            try await Outbox.append(
                                SequencedTestEvent(run: run, stream: "k\(index % 7)", sequence: index), on: transaction, logger: logger)
                        }
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(cut && restored, "the outage happened while events were written")
                proxy.restore()

                let sent = try await eventually(timeout: .seconds(90), every: .milliseconds(500)) {
                    try await core.database.query("SELECT count(*) FROM outbox WHERE sent_at IS NULL", logger: logger).decode(Int.self).collect()
                        == [0]
                }
                #expect(sent, "every outbox row was eventually marked sent")
                let received = try await consume(
                    EventTopic.users.rawValue, brokers: brokers, timeout: .seconds(90), matching: { Self.event(in: $0, of: run) != nil },
                    count: total, distinctBy: { Self.event(in: $0, of: run)?.1.sequence })
                let sequences = Set(received.compactMap { Self.event(in: $0, of: run)?.1.sequence })
                #expect(sequences == Set(0..<total), "none lost")
                #expect(received.count >= total)
            }
            await producer.close()
        }
    }

    /// A consumer whose handler records each effect, without a uniqueness constraint, so a
    /// duplicate effect would show.
    func effectConsumer(client: PostgresClient, topic: String, producer: KafkaProducer, maxAttempts: Int = 5) -> EventConsumer {
        EventConsumer(
            name: "effects",
            configuration: TestKafka.configuration(),
            groupID: TestKafka.uniqueName("effects"),
            topics: [topic],
            deadLetters: producer,
            client: client,
            handlers: [
                EventHandler(SequencedTestEvent.self) { event, incoming, connection, logger in
                    if event.stream == "poison" { throw ConduitError.invalid("stream", "is poisoned") }
                    try await connection.query("INSERT INTO effects (event_id, sequence) VALUES (\(incoming.id), \(event.sequence))", logger: logger)
                }
            ],
            maxAttempts: maxAttempts,
            logger: logger
        )
    }

    static let effectsSchema = DatabaseSchema([
        EventConsumer.migrations,
        MigrationGroup(
            "effects", [Migration(name: "effects", statements: ["CREATE TABLE effects (event_id uuid NOT NULL, sequence integer NOT NULL)"])]),
    ])

    @Test("a consumer killed in the middle of a stream and restarted applies every effect exactly once")
    func killedConsumer() async throws {
        try await TestDatabase.withScratchCore(schema: Self.effectsSchema) { core in
            let topic = TestKafka.uniqueName("kill")
            let producer = try KafkaProducer(configuration: TestKafka.configuration(), logger: logger)
            try await producer.createTopics([topic], partitions: 3)
            let total = 2_000
            let run = UUID()
            try await producer.publishAll((0..<total).map { SequencedTestEvent(run: run, stream: "k\($0 % 10)", sequence: $0) }, to: topic)

            let handlers = effectConsumer(client: core.database, topic: topic, producer: producer)
            let group = TestKafka.uniqueName("killed")
            // The first consumer stops after 700 events without having stored the offsets of
            // the last 100, as one killed between effects and their commits would.
            let first = try KafkaConsumer(configuration: TestKafka.configuration(), groupID: group, topics: [topic], logger: logger)
            try await withDeadline(.seconds(120), "the first consumer handling 700 events") {
                var handled = 0
                for try await message in first.messages {
                    await handlers.process(message)
                    handled += 1
                    if handled <= 600 { try first.storeOffset(of: message) }
                    if handled == 700 { break }
                }
            }
            await first.close()

            let second = try KafkaConsumer(configuration: TestKafka.configuration(), groupID: group, topics: [topic], logger: logger)
            let duplicates = try await withDeadline(.seconds(120), "the restarted consumer handling the rest") {
                var duplicates = 0
                for try await message in second.messages {
                    if await handlers.process(message) == .duplicate { duplicates += 1 }
                    try second.storeOffset(of: message)
                    let done =
                        try await core.database.query("SELECT count(*) FROM processed_events", logger: logger).decode(Int.self).collect() == [
                            total
                        ]
                    if done { break }
                }
                return duplicates
            }
            await second.close()
            await producer.close()

            let counts = try await core.database.query("SELECT count(*), count(DISTINCT event_id) FROM effects", logger: logger).decode(
                (Int, Int).self
            ).collect()
            #expect(counts.first?.0 == total, "no effect lost or doubled")
            #expect(counts.first?.1 == total)
            #expect(duplicates >= 100, "the restarted consumer saw the events whose offsets were not stored, and skipped them")
        }
    }

    @Test("replicas stopped one after the other leave a group that their successors can form again")
    func successiveStops() async throws {
        // On Tansu, a leader that left mid-rebalance used to stay the group's leader: the next
        // members then waited for assignments forever (about one restart in two).
        let topic = TestKafka.uniqueName("successive")
        let producer = try KafkaProducer(configuration: TestKafka.configuration(), logger: logger)
        try await producer.createTopics([topic], partitions: 3)
        await producer.close()
        let group = TestKafka.uniqueName("successive")
        for round in 1...3 {
            let members = try (1...2).map { _ in
                try KafkaConsumer(configuration: TestKafka.configuration(), groupID: group, topics: [topic], logger: logger)
            }
            let polling = members.map { member in
                Task { for try await _ in member.messages {} }
            }
            let formed = try await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
                members.allSatisfy { $0.context.isAssigned.load(ordering: .relaxed) }
            }
            #expect(formed, "round \(round): both members were given their partitions")
            // The first to join leads the group; it stops last, as it would in a rolling stop.
            for (member, task) in zip(members, polling).reversed() {
                member.stop()
                _ = await task.result
                await member.close()
            }
            if !formed { break }
        }
    }

    @Test("a poison message goes to the dead-letter topic with its error, and the messages after it are handled")
    func poisonMessage() async throws {
        try await TestDatabase.withScratchCore(schema: Self.effectsSchema) { core in
            let topic = TestKafka.uniqueName("poison")
            let producer = try KafkaProducer(configuration: TestKafka.configuration(), logger: logger)
            try await producer.createTopics([topic, EventTopic.deadLetterTopic(of: topic)], partitions: 1)
            let run = UUID()
            try await producer.publishAll([SequencedTestEvent(run: run, stream: "good", sequence: 1)], to: topic)
            try await producer.send(KafkaOutgoingMessage(topic: topic, key: "good", value: Array("not an envelope".utf8)))
            try await producer.publishAll(
                [SequencedTestEvent(run: run, stream: "poison", sequence: 2), SequencedTestEvent(run: run, stream: "good", sequence: 3)],
                to: topic)

            let consumer = effectConsumer(client: core.database, topic: topic, producer: producer, maxAttempts: 3)
            let dead = try await whileRunning([consumer]) {
                let handled = try await eventually(timeout: .seconds(60)) {
                    try await core.database.query("SELECT sequence FROM effects ORDER BY sequence", logger: logger).decode(Int.self).collect()
                        == [1, 3]
                }
                #expect(handled, "the good messages on both sides of the poison were handled")
                return try await consume(EventTopic.deadLetterTopic(of: topic), timeout: .seconds(60), count: 2)
            }
            await producer.close()

            #expect(dead.count == 2)
            #expect(dead.allSatisfy { $0.header(EventHeaders.originalTopic)?.stringValue == topic })
            #expect(dead.first?.header(EventHeaders.error)?.stringValue.contains("not an event envelope") == true)
            #expect(dead.last?.header(EventHeaders.error)?.stringValue.contains("poisoned") == true)
            #expect(dead.last?.header(EventHeaders.attempts)?.stringValue == "3")
        }
    }
}

/// An event larger than any broker takes.
struct OversizeTestEvent: DomainEvent {
    static let type = "test.oversize"
    static let topic = EventTopic.users
    var run: UUID
    var padding: String
    var key: String { run.uuidString }
}

extension MessagingTests {
    @Test("an event the broker cannot accept is set aside, logged and counted, and the relay goes on")
    func oversizeEventIsSetAside() async throws {
        try await TestDatabase.withScratchCore(schema: outboxSchema) { core in
            let run = UUID()
            _ = try await core.database.withConnection { connection in
                try await connection.withTransaction(logger: logger) { transaction in
                    try await Outbox.append(SequencedTestEvent(run: run, stream: "before-\(run)", sequence: 1), on: transaction, logger: logger)
                    // librdkafka's own limit (message.max.bytes) is 1,000,000 bytes.
                    try await Outbox.append(
                        OversizeTestEvent(run: run, padding: String(repeating: "x", count: 1_200_000)), on: transaction, logger: logger)
                    try await Outbox.append(SequencedTestEvent(run: run, stream: "after-\(run)", sequence: 2), on: transaction, logger: logger)
                }
            }
            let producer = try KafkaProducer(configuration: TestKafka.configuration(), logger: logger)
            let relay = OutboxRelay(client: core.database, producer: producer, topics: TopicProvisioning(partitions: 3), logger: logger)
            let received = try await whileRunning([relay]) {
                try await consume(EventTopic.users.rawValue, matching: { Self.event(in: $0, of: run) != nil }, count: 2)
            }
            await producer.close()
            #expect(received.compactMap { Self.event(in: $0, of: run)?.1.sequence }.sorted() == [1, 2])
            let rows = try await core.database.query(
                "SELECT event_type, sent_at IS NOT NULL, set_aside_at IS NOT NULL, coalesce(last_error, '') FROM outbox ORDER BY position",
                logger: logger
            ).decode((String, Bool, Bool, String).self).collect()
            #expect(rows.map(\.0) == [SequencedTestEvent.type, OversizeTestEvent.type, SequencedTestEvent.type])
            #expect(rows.map(\.1) == [true, false, true], "sent")
            #expect(rows.map(\.2) == [false, true, false], "set aside")
            #expect(rows[1].3.contains("too large"), "\(rows[1].3)")
        }
    }

    @Test("a consumer closed by a task already cancelled still leaves its group and frees its client")
    func closingWhenCancelled() async throws {
        // A client left open would call back into the consumer after it is freed (a crash, once
        // librdkafka's poll-interval timer fires).
        let topic = TestKafka.uniqueName("cancelled-close")
        let producer = try KafkaProducer(configuration: TestKafka.configuration(), logger: logger)
        try await producer.createTopics([topic], partitions: 1)
        await producer.close()
        let lines = LoggingTests.Lines()
        let watched = Logger(label: "close") { StructuredLogHandler(label: $0, format: .logfmt, level: .info, output: lines.output) }
        let consumer = try KafkaConsumer(
            configuration: TestKafka.configuration(), groupID: TestKafka.uniqueName("cancelled"), topics: [topic], logger: watched)
        let closing = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await consumer.close()
        }
        await closing.value
        #expect(lines.all.contains { $0.contains("consumer closed") })
        #expect(!lines.all.contains { $0.contains("closing the consumer failed") }, "\(lines.all)")
    }

    @Test("a consumer retrying an event while its database is away stops when the service shuts down")
    func retryLoopsEndOnShutdown() async throws {
        let topic = TestKafka.uniqueName("unreachable")
        let producer = try KafkaProducer(configuration: TestKafka.configuration(), logger: logger)
        try await producer.createTopics([topic, EventTopic.deadLetterTopic(of: topic)], partitions: 1)
        try await producer.publishAll([SequencedTestEvent(run: UUID(), stream: "s", sequence: 1)], to: topic)
        // Nothing listens on port 1: every attempt finds the database unreachable.
        let away = PostgresClient(
            configuration: try DatabaseConfiguration(url: "postgres://x@127.0.0.1:1/x", variable: "test").postgresClientConfiguration)
        let lines = LoggingTests.Lines()
        let watched = Logger(label: "retry") { StructuredLogHandler(label: $0, format: .logfmt, level: .info, output: lines.output) }
        let consumer = EventConsumer(
            name: "effects", configuration: TestKafka.configuration(), groupID: TestKafka.uniqueName("away"), topics: [topic],
            deadLetters: producer, client: away, handlers: [EventHandler(SequencedTestEvent.self) { _, _, _, _ in }], logger: watched
        )
        let group = ServiceGroup(configuration: .init(services: [away, consumer], logger: logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        let retrying = try await eventually(timeout: .seconds(120)) { lines.all.contains { $0.contains("database unreachable") } }
        #expect(retrying, "the consumer retries the event: \(lines.all.suffix(5))")
        await group.triggerGracefulShutdown()
        // Before, the loop retried for ever and this never returned.
        try await withDeadline(.seconds(120), "the consumer stopping") { try await running.value }
        #expect(lines.all.contains { $0.contains("stopping while an event is retried") })
        await producer.close()
    }

    @Test("sent outbox rows and handled event ids older than the retention period are swept, newer and pending ones kept")
    func retentionSweep() async throws {
        try await TestDatabase.withScratchCore(
            schema: DatabaseSchema([Outbox.migrations, EventConsumer.migrations]), environment: ["RETENTION_DAYS": "7"]
        ) { core in
            _ = try await core.database.withConnection { connection in
                for (index, age) in [(0, "8 days"), (1, "6 days"), (2, "30 days")].map({ ($0.0, $0.1) }) {
                    try await Outbox.append(SequencedTestEvent(run: UUID(), stream: "s", sequence: index), on: connection, logger: logger)
                    try await connection.query(
                        "INSERT INTO processed_events (consumer, event_id, processed_at) VALUES ('c', \(UUID()), now() - \(age)::interval)",
                        logger: logger
                    )
                }
                // Rows 1 and 2 were sent 8 and 6 days ago; row 3 (30 days old) never was.
                try await connection.query("UPDATE outbox SET sent_at = now() - interval '8 days' WHERE position = 1", logger: logger)
                try await connection.query("UPDATE outbox SET sent_at = now() - interval '6 days' WHERE position = 2", logger: logger)
                try await connection.query("UPDATE outbox SET created_at = now() - interval '30 days' WHERE position = 3", logger: logger)
            }
            let deleted = try await core.retentionSweep([.sentEvents, .processedEvents]).sweepOnce()
            #expect(deleted == ["sent outbox events": 1, "processed event ids": 2])
            let positions = try await core.database.query("SELECT position FROM outbox ORDER BY position", logger: logger).decode(Int64.self)
                .collect()
            #expect(positions == [2, 3])
        }
    }
}
