import Foundation
import Logging
import Persistence
import PostgresNIO
import Synchronization

/// Another replica of a service, as ``ReadCoherence`` sees one: it holds a read lease on `channel`
/// (for an hour) while it runs, and acknowledges every write barrier it hears, counting it first.
/// A write that the service answers while it runs has waited for that acknowledgement, so the count
/// grew during the request; a write answered without the barrier leaves it as it was.
public final class StandInReplica: Sendable {
    public let id = UUID()
    private let heard = Atomic<Int>(0)

    /// The barriers acknowledged so far.
    public var barriers: Int { heard.load(ordering: .sequentiallyConsistent) }

    /// Runs `body` while a stand-in replica listens on `channel` of the database of `configuration`
    /// and holds a lease in its `read_leases` (given up afterwards).
    public static func run<Result: Sendable>(
        channel: String, configuration: DatabaseConfiguration, _ body: @Sendable (StandInReplica) async throws -> Result
    ) async throws -> Result {
        let replica = StandInReplica()
        let logger = Logger(label: "stand-in-replica")
        let database = PostgresClient(configuration: configuration.postgresClientConfiguration)
        let listening = AsyncStream.makeStream(of: Void.self)
        return try await whileRunning([database]) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    await DatabaseWakeups.ListeningConnection.dedicated(configuration).listen(
                        on: channel, logger: logger,
                        began: { _ in listening.continuation.yield() },
                        heard: { payload in replica.acknowledge(payload, channel: channel, database: database, logger: logger) },
                        lost: {})
                }
                for await _ in listening.stream { break }
                try await database.query(
                    "INSERT INTO read_leases (replica, lease_until) VALUES (\(replica.id), now() + interval '1 hour')", logger: logger
                ).consume()
                defer { group.cancelAll() }
                do {
                    let result = try await body(replica)
                    try await replica.giveUpLease(database, logger: logger)
                    return result
                } catch {
                    try? await replica.giveUpLease(database, logger: logger)
                    throw error
                }
            }
        }
    }

    private func giveUpLease(_ database: PostgresClient, logger: Logger) async throws {
        try await database.query("DELETE FROM read_leases WHERE replica = \(id)", logger: logger).consume()
    }

    private func acknowledge(_ payload: String, channel: String, database: PostgresClient, logger: Logger) {
        guard let acknowledgement = ReadCoherence.acknowledgement(of: payload, by: id) else { return }
        heard.add(1, ordering: .sequentiallyConsistent)
        Task { try await database.query("SELECT pg_notify(\(channel), \(acknowledgement))", logger: logger).consume() }
    }
}
