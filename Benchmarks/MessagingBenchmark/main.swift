import Basics
import Events
import Foundation
import Kafka
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceCore
import ServiceLifecycle
import Settings
import Synchronization

// Outbox → relay → broker → idempotent consumer, on the native stack's PostgreSQL and broker:
// throughput (events/s) and end-to-end latency (outbox write to handled) for N events.
// Run by scripts/bench-messaging, which starts what it needs and passes these variables.

struct BenchEvent: DomainEvent {
    static let type = "bench.event"
    static let topic = EventTopic.users
    var run: UUID
    var stream: Int
    var sequence: Int
    var key: String { "bench-\(stream)" }
}

let environment = ProcessInfo.processInfo.environment
let total = Int(environment["BENCH_EVENTS"] ?? "") ?? 10_000
let databaseURL = environment["BENCH_DATABASE_URL"] ?? "postgres://inkwell_test@127.0.0.1:15433/postgres"
let brokers = environment["KAFKA_BROKERS"] ?? "127.0.0.1:9092"

var logger = Logger(label: "bench")
logger.logLevel = .warning
let configuration = try ServiceConfiguration(
    serviceName: "bench",
    defaultPort: 0,
    environment: EnvironmentReader(["DATABASE_URL": databaseURL, "KAFKA_BROKERS": brokers, "LOG_LEVEL": "warning", "DATABASE_MAX_CONNECTIONS": "20"])
)
let core = ServiceCore(configuration: configuration, logger: logger)
let run = UUID()
let latencies = Mutex<[Double]>([])
let lastHandled = Mutex<ContinuousClock.Instant?>(nil)

let producer = try KafkaProducer(configuration: configuration.kafka, logger: logger)
let relay = OutboxRelay(client: core.database, producer: producer, topics: TopicProvisioning(configuration.kafka), logger: logger)
let consumer = EventConsumer(
    name: "bench-\(run)",
    configuration: configuration.kafka,
    groupID: "bench-\(run)",
    topics: [EventTopic.users.rawValue],
    deadLetters: producer,
    client: core.database,
    handlers: [
        EventHandler(BenchEvent.self) { event, incoming, _, _ in
            guard event.run == run else { return }
            let latency = Date().timeIntervalSince(incoming.occurredAt) * 1000
            latencies.withLock { $0.append(latency) }
            lastHandled.withLock { $0 = .now }
        }
    ],
    logger: logger
)

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { await core.database.run() }
    group.addTask { try await relay.run() }
    group.addTask { try await consumer.run() }

    _ = try await MigrationRunner(
        client: core.database,
        schema: DatabaseSchema(
            [Outbox.migrations, EventConsumer.migrations],
            // The test database it runs in may still hold the flat versions of its runs before groups.
            legacyFlatOrder: [
                Outbox.migrations.version(1), EventConsumer.migrations.version(1), Outbox.migrations.version(2), Outbox.migrations.version(3),
            ]
        ),
        logger: logger
    ).run()
    try await core.database.query("TRUNCATE outbox", logger: logger)

    func write(_ events: Range<Int>) async throws {
        try await core.database.withConnection { connection in
            try await connection.withTransaction(logger: logger) { transaction in
                for index in events {
                    try await Outbox.append(BenchEvent(run: run, stream: index % 100, sequence: index), on: transaction, logger: logger)
                }
            }
        }
    }

    print("warming up (the consumer group's first join)…")
    try await write(0..<1)
    while latencies.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(50)) }
    latencies.withLock { $0.removeAll() }

    print("writing \(total) events through the outbox (100 per transaction, 4 writers)…")
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { writers in
        for writer in 0..<4 {
            writers.addTask {
                for batch in stride(from: 1 + writer * 100, to: total + 1, by: 400) {
                    try await write(batch..<min(batch + 100, total + 1))
                }
            }
        }
        try await writers.waitForAll()
    }
    let written = ContinuousClock.now - start
    var reported = 0
    while latencies.withLock({ $0.count }) < total {
        let count = latencies.withLock { $0.count }
        if count / 2000 > reported {
            reported = count / 2000
            print("  \(count) handled")
        }
        if ContinuousClock.now - start > .seconds(300) {
            print("timed out with \(count) of \(total) handled")
            exit(1)
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    let elapsed = (lastHandled.withLock { $0 } ?? .now) - start
    let sorted = latencies.withLock { $0 }.sorted()
    let seconds = elapsed.seconds
    print("")
    print("events                      \(total)")
    print(String(format: "written in                  %.2f s", written.seconds))
    print(String(format: "outbox → consumer           %.0f events/s (%.2f s for all)", Double(total) / seconds, seconds))
    print(
        String(
            format: "latency write → handled     p50 %.1f ms   p99 %.1f ms   max %.1f ms", percentile(sorted, 0.5), percentile(sorted, 0.99),
            sorted.last ?? .nan))
    group.cancelAll()
}
await producer.close()
