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
    private let channel: String
    private let database: PostgresClient
    private let heard = Atomic<Int>(0)
    /// The acknowledgements not sent yet, while they are held (``holdAcknowledgements()``).
    private let held = Mutex<[String]?>(nil)

    private init(channel: String, database: PostgresClient) {
        self.channel = channel
        self.database = database
    }

    /// The barriers acknowledged so far.
    public var barriers: Int { heard.load(ordering: .sequentiallyConsistent) }

    /// Runs `body` while a stand-in replica listens on `channel` of the database of `configuration`
    /// and holds a lease in its `read_leases` (given up afterwards).
    public static func run<Result: Sendable>(
        channel: String, configuration: DatabaseConfiguration, _ body: @Sendable (StandInReplica) async throws -> Result
    ) async throws -> Result {
        let logger = Logger(label: "stand-in-replica")
        let database = PostgresClient(configuration: configuration.postgresClientConfiguration)
        let replica = StandInReplica(channel: channel, database: database)
        let listening = AsyncStream.makeStream(of: Void.self)
        return try await whileRunning([database]) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    await DatabaseWakeups.ListeningConnection.dedicated(configuration).listen(
                        on: channel, logger: logger,
                        began: { _ in listening.continuation.yield() },
                        heard: { payload in replica.acknowledge(payload, logger: logger) },
                        lost: {})
                }
                for await _ in listening.stream { break }
                try await database.query(
                    "INSERT INTO read_leases (replica, lease_until) VALUES (\(replica.id), now() + interval '1 hour')", logger: logger
                ).consume()
                defer { group.cancelAll() }
                do {
                    let result = try await body(replica)
                    try await replica.giveUpLease(logger: logger)
                    return result
                } catch {
                    try? await replica.giveUpLease(logger: logger)
                    throw error
                }
            }
        }
    }

    /// Counts the barriers it hears from now on but sends their acknowledgements only at
    /// ``releaseAcknowledgements()``: a writer waits meanwhile, as for a slow replica.
    public func holdAcknowledgements() {
        held.withLock { $0 = $0 ?? [] }
    }

    public func releaseAcknowledgements() {
        let acknowledgements = held.withLock { held in
            let acknowledgements = held ?? []
            held = nil
            return acknowledgements
        }
        for acknowledgement in acknowledgements { send(acknowledgement, logger: Logger(label: "stand-in-replica")) }
    }

    private func giveUpLease(logger: Logger) async throws {
        try await database.query("DELETE FROM read_leases WHERE replica = \(id)", logger: logger).consume()
    }

    private func acknowledge(_ payload: String, logger: Logger) {
        guard let acknowledgement = ReadCoherence.acknowledgement(of: payload, by: id) else { return }
        heard.add(1, ordering: .sequentiallyConsistent)
        let sendsNow = held.withLock { held in
            held?.append(acknowledgement)
            return held == nil
        }
        if sendsNow { send(acknowledgement, logger: logger) }
    }

    private func send(_ acknowledgement: String, logger: Logger) {
        Task { try await database.query("SELECT pg_notify(\(channel), \(acknowledgement))", logger: logger).consume() }
    }
}
