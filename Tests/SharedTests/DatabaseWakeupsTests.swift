import Foundation
import Kafka
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import Messaging
@testable import Persistence

/// Against the real PostgreSQL that scripts/test starts. A safety net of five minutes and bounds of one:
/// what arrives in time was woken by the database's notification, not found by the slow poll.
@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct DatabaseWakeupsTests {
    let logger = Logger(label: "test")
    static let safetyNet = Duration.seconds(300)
    static let woken = Duration.seconds(60)

    /// How long `wakeups` waited, with the safety net of five minutes.
    func timedWait(_ wakeups: DatabaseWakeups) async -> Duration {
        let start = ContinuousClock.now
        await wakeups.wait(atMost: Self.safetyNet)
        return ContinuousClock.now - start
    }

    func notify(_ channel: String, through client: PostgresClient) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await DatabaseWakeups.notify(channel, on: connection, logger: logger)
        }
    }

    @Test func aCommittedNotificationWakesTheWaiterAndOneThatCameWhileItWorkedIsKept() async throws {
        try await TestDatabase.withScratchDatabase { url in
            let client = PostgresClient(configuration: try DatabaseConfiguration(url: url, variable: "test").postgresClientConfiguration)
            try await withRunningClient(client) {
                try await DatabaseWakeups.listening(on: "test_wakeups", client: client, logger: logger) { wakeups in
                    let listening = await timedWait(wakeups)
                    #expect(listening < Self.woken, "woken once it listens, after \(listening)")

                    async let waiting = timedWait(wakeups)
                    try await Task.sleep(for: .milliseconds(200))
                    try await notify("test_wakeups", through: client)
                    let waited = await waiting
                    #expect(waited < Self.woken, "woken by the commit, after \(waited)")

                    // Notified while nobody waited (the worker busy): the next wait returns at once.
                    try await notify("test_wakeups", through: client)
                    try await Task.sleep(for: .seconds(1))
                    let kept = await timedWait(wakeups)
                    #expect(kept < Self.woken, "the notification that came while the worker was busy is kept (woken after \(kept))")
                }
            }
        }
    }

    /// Through a pooled connection or one of its own.
    @Test(arguments: [false, true]) func theListenerListensAgainAfterItsConnectionIsLostAndWakesTheWorkerThen(dedicated: Bool) async throws {
        try await TestDatabase.withScratchDatabase { url in
            var configuration = try DatabaseConfiguration(url: url, variable: "test", connectTimeout: .seconds(1))
            // The listener reaches the database through a proxy that can drop its connections and
            // refuse new ones, as a database that restarts does; the notifications are sent directly.
            let proxy = try await TCPProxy(targetPort: configuration.port)
            configuration.port = proxy.port
            let proxied = PostgresClient(configuration: configuration.postgresClientConfiguration)
            let direct = PostgresClient(configuration: try DatabaseConfiguration(url: url, variable: "test").postgresClientConfiguration)
            do {
                try await withRunningClient(proxied) {
                    try await withRunningClient(direct) {
                        let connection: DatabaseWakeups.ListeningConnection = dedicated ? .dedicated(configuration) : .pooled(proxied)
                        try await DatabaseWakeups.listening(on: "test_wakeups", through: connection, logger: logger) { wakeups in
                            let listening = await timedWait(wakeups)
                            #expect(listening < Self.woken, "woken once it listens, after \(listening)")
                            #expect(wakeups.isListening)
                            proxy.cut()
                            #expect(try await eventually(timeout: .seconds(60)) { !wakeups.isListening }, "a lost connection is known")
                            try await Task.sleep(for: .seconds(2))
                            proxy.restore()
                            let again = await timedWait(wakeups)
                            #expect(again < Self.woken, "woken once it listens again, to find what came meanwhile (after \(again))")
                            try await notify("test_wakeups", through: direct)
                            let woken = await timedWait(wakeups)
                            #expect(woken < Self.woken, "woken by a commit after the connection came back, after \(woken)")
                        }
                    }
                }
            } catch {
                await proxy.close()
                throw error
            }
            await proxy.close()
        }
    }
}

extension MessagingTests {
    @Test("with a safety net of five minutes, an outbox row is published as soon as its transaction commits")
    func relayWokenByTheCommit() async throws {
        try await TestDatabase.withScratchCore(schema: outboxSchema) { core in
            let producer = try KafkaProducer(configuration: TestKafka.configuration(), logger: logger)
            let relay = OutboxRelay(
                client: core.database, producer: producer, topics: TopicProvisioning(partitions: 3), logger: logger, safetyNetInterval: .seconds(300))
            let run = UUID()
            func write(_ sequence: Int) async throws {
                _ = try await core.database.withTransaction(logger: logger) { transaction in
                    try await Outbox.append(SequencedTestEvent(run: run, stream: "s", sequence: sequence), on: transaction, logger: logger)
                }
            }
            func allSent(within timeout: Duration) async throws -> Bool {
                try await eventually(timeout: timeout) {
                    try await core.database.query("SELECT count(*)::int FROM outbox WHERE sent_at IS NULL", logger: logger).decode(Int.self)
                        .collect() == [0]
                }
            }
            try await whileRunning([relay]) {
                try await write(1)
                #expect(try await allSent(within: .seconds(120)), "the first event is sent")
                // Now the relay is idle, waiting up to five minutes.
                try await write(2)
                #expect(try await allSent(within: .seconds(60)), "the second event is sent well before the safety net's five minutes")
                try await write(3)
                #expect(try await allSent(within: .seconds(60)), "and the third")
            }
            await producer.close()
        }
    }
}
