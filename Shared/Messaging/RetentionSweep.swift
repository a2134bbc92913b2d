import Basics
import Logging
import Metrics
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Deletes what a service keeps only for a while: outbox rows sent longer ago than the retention
/// period, ids of handled events older than it, and whatever else the service names. Every replica
/// runs it (the deletes are idempotent), at start and then every `interval`, in batches so that
/// no delete holds its locks for long.
public struct RetentionSweep: Service {
    /// One kind of row to forget.
    public struct Target: Sendable {
        let name: String
        /// Deletes at most ``batchSize`` rows, `RETURNING` one row for each.
        let batch: @Sendable (_ retention: Duration) -> PostgresQuery

        public init(name: String, batch: @escaping @Sendable (_ retention: Duration) -> PostgresQuery) {
            self.name = name
            self.batch = batch
        }

        /// Outbox rows the broker acknowledged longer ago than the retention period.
        public static let sentEvents = Target(name: "sent outbox events") { retention in
            """
            DELETE FROM outbox WHERE position IN (
                SELECT position FROM outbox WHERE sent_at < now() - make_interval(secs => \(retention.seconds)) LIMIT \(batchSize))
            RETURNING 1
            """
        }

        /// Handled event ids older than the retention period: a redelivery that old is not expected.
        public static let processedEvents = Target(name: "processed event ids") { retention in
            """
            DELETE FROM processed_events WHERE (consumer, event_id) IN (
                SELECT consumer, event_id FROM processed_events WHERE processed_at < now() - make_interval(secs => \(retention.seconds)) LIMIT \(batchSize))
            RETURNING 1
            """
        }

        public static let batchSize = 5000
    }

    let database: PostgresClient
    let targets: [Target]
    let retention: Duration
    let interval: Duration
    let logger: Logger

    public init(database: PostgresClient, targets: [Target], retention: Duration, interval: Duration, logger: Logger) {
        self.database = database
        self.targets = targets
        self.retention = retention
        self.interval = interval
        self.logger = logger.component("retention-sweep")
    }

    public func run() async throws {
        while !Backoff.isStopping {
            do {
                try await sweepOnce()
            } catch {
                logger.warning("sweeping old rows failed; trying again at the next sweep", metadata: ["error": "\(DatabaseErrors.describe(error))"])
            }
            guard await Backoff.pause(interval) else { break }
        }
    }

    /// Deletes every target's old rows; returns how many went, per target name.
    @discardableResult
    public func sweepOnce() async throws -> [String: Int] {
        var deleted: [String: Int] = [:]
        for target in targets {
            var total = 0
            while !Backoff.isStopping {
                let count = try await database.query(target.batch(retention), logger: logger).collect().count
                total += count
                if count < Target.batchSize { break }
            }
            deleted[target.name] = total
            if total > 0 {
                logger.info("deleted rows past the retention period", metadata: ["what": "\(target.name)", "rows": "\(total)"])
                Counter(label: "inkwell_retention_deleted_total", dimensions: [("what", target.name)]).increment(by: total)
            }
        }
        return deleted
    }
}
