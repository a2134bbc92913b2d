import Basics
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Lets each replica of a service answer reads from memory and still show every client its own
/// writes at once, whichever replica it asks next: a write is answered only when every replica
/// that may answer from memory has heard of it.
///
/// The changes are announced on `channel` by triggers as their transactions commit, and each
/// replica hears them in commit order on a connection of its own. A replica answers from memory
/// only within a lease: a row of ``migrations``' `read_leases` that it renews every
/// ``Settings/renewal`` for ``Settings/lease``, in a statement that also announces the renewal on
/// the channel. Its lease begins when it hears that announcement, so it has heard every change
/// committed before the renewal, and ends ``Settings/margin`` before the row's does, counted from
/// before the renewal was sent.
///
/// After a write commits, ``awaitEveryReplica(logger:)`` reads the replicas' live leases and
/// announces a barrier; every replica that hears it answers with an acknowledgement (it has heard
/// whatever was committed before), and the writer waits for each one, itself included, or for its lease's end, after
/// which that replica answers from the database until it renews. A replica whose lease began after
/// the write committed heard the write first. The cost is a statement and one round of
/// notifications per barrier, which answers for every write that asked before it began; a replica
/// that stops without saying so delays writes by one lease.
///
/// Messages on the channel besides the changes: `r:<replica>:<n>` (a renewal), `b:<writer>:<n>`
/// (a barrier), `k:<writer>:<n>:<replica>` (an acknowledgement).
public final class ReadCoherence: Sendable {
    public struct Settings: Sendable {
        /// How long a renewed lease lasts: a write waits at most this long for a replica that does not answer.
        public var lease: Duration = .seconds(1)
        public var renewal: Duration = .milliseconds(200)
        /// How much earlier than its row's a replica's lease ends: the time from its clock's reading
        /// before the renewal to the database's, and the clocks' drift over a lease.
        public var margin: Duration = .milliseconds(100)
        /// Whether this replica answers from memory (and so holds a lease); a replica that does not
        /// still waits for the others after its writes.
        public var holdsLease = true

        public init(holdsLease: Bool = true) {
            self.holdsLease = holdsLease
        }
    }

    public let replica = UUID()
    public let channel: String
    let settings: Settings
    let database: PostgresClient
    let listeningConnection: DatabaseWakeups.ListeningConnection

    private struct State {
        var connection: PostgresConnection?
        var leaseEnd: ContinuousClock.Instant?
        var epoch = 0
        var renewalsSent: [Int: ContinuousClock.Instant] = [:]
        var lastNumber = 0
        var barriers: [Int: Barrier] = [:]
        /// Whether a barrier is under way. Writes that ask meanwhile wait in `nextRound`; when it
        /// ends, the first of them runs the next barrier, and the rest wait for it in `round`.
        var barrierUnderWay = false
        var nextRound: [CheckedContinuation<Bool, Never>] = []
        var round: [CheckedContinuation<Bool, Never>] = []
    }

    private struct Barrier {
        var acknowledged: Set<UUID> = []
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init(channel: String, settings: Settings, database: PostgresClient, listeningConnection: DatabaseWakeups.ListeningConnection) {
        self.channel = channel
        self.settings = settings
        self.database = database
        self.listeningConnection = listeningConnection
    }

    /// The current lease's number while this replica may answer from memory, else nil. What was
    /// held under an earlier number may have missed changes and must be dropped.
    public func currentLease(now: ContinuousClock.Instant = .now) -> Int? {
        state.withLock { state in
            guard state.connection != nil, let end = state.leaseEnd, now < end else { return nil }
            return state.epoch
        }
    }

    /// Listens on the channel and renews the lease until cancelled, telling `changes` of every other
    /// message in commit order.
    public func run(logger: Logger, changes: @escaping @Sendable (String) -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.listeningConnection.listen(
                    on: self.channel, logger: logger,
                    began: { connection in self.state.withLock { $0.connection = connection } },
                    heard: { payload in self.heard(payload, logger: logger, changes: changes) },
                    lost: {
                        self.state.withLock { state in
                            state.connection = nil
                            state.leaseEnd = nil
                            state.renewalsSent = [:]
                        }
                    }
                )
            }
            if settings.holdsLease { group.addTask { await self.renewLeases(logger: logger) } }
            await group.next()
            group.cancelAll()
        }
        guard settings.holdsLease else { return }
        // In a task of its own: the one that ran is cancelled, and so would be its statements.
        let giveUp = Task {
            try await database.query("DELETE FROM read_leases WHERE replica = \(replica) OR lease_until < now() - interval '1 hour'", logger: logger)
                .consume()
        }
        do {
            try await giveUp.value
        } catch {
            logger.info("could not give up the read lease; it ends by itself", metadata: ["error": "\(DatabaseErrors.describe(error))"])
        }
    }

    /// ``run(logger:changes:)`` until the service begins to stop, with each message named by `change`;
    /// one of a form it does not know is logged and forgets `everything`: something changed that
    /// cannot be told.
    public func runUntilShutdown<Change: Sendable>(
        logger: Logger, change: @escaping @Sendable (String) -> Change?, everything: Change, forget: @escaping @Sendable (Change) -> Void
    ) async {
        await cancelWhenGracefulShutdown {
            await self.run(logger: logger) { payload in
                guard let named = change(payload) else {
                    logger.error("an announcement of unknown form; forgetting everything held", metadata: ["payload": "\(payload)"])
                    return forget(everything)
                }
                forget(named)
            }
        }
    }

    private func renewLeases(logger: Logger) async {
        let seconds = Double(settings.lease.components.seconds) + Double(settings.lease.components.attoseconds) / 1e18
        var failures = 0
        while !Task.isCancelled {
            if let connection = state.withLock({ $0.connection }) {
                let number = state.withLock { state in
                    state.lastNumber += 1
                    state.renewalsSent[state.lastNumber] = .now
                    return state.lastNumber
                }
                do {
                    try await connection.query(
                        """
                        WITH renewed AS (
                            INSERT INTO read_leases (replica, lease_until) VALUES (\(replica), now() + make_interval(secs => \(seconds)))
                            ON CONFLICT (replica) DO UPDATE SET lease_until = EXCLUDED.lease_until RETURNING replica
                        )
                        SELECT pg_notify(\(channel), \("r:\(replica):\(number)")) FROM renewed
                        """, logger: logger
                    ).consume()
                    if failures > 0 { logger.info("renewing the read lease again") }
                    failures = 0
                } catch {
                    failures += 1
                    if failures == 1 {
                        logger.warning(
                            "could not renew the read lease; reads go to the database until it is renewed",
                            metadata: ["error": "\(DatabaseErrors.describe(error))"])
                    }
                }
            }
            guard (try? await Task.sleep(for: settings.renewal)) != nil else { return }
        }
    }

    private func heard(_ payload: String, logger: Logger, changes: (String) -> Void) {
        let parts = payload.split(separator: ":")
        guard parts.count >= 3, parts[0].count == 1, "rbk".contains(parts[0]), let sender = UUID(uuidString: String(parts[1])),
            let number = Int(parts[2])
        else { return changes(payload) }
        switch parts[0] {
        case "r" where sender == replica:
            let now = ContinuousClock.now
            state.withLock { state in
                guard let sent = state.renewalsSent[number] else { return }
                state.renewalsSent = state.renewalsSent.filter { $0.key > number }
                if state.leaseEnd.map({ now >= $0 }) ?? true { state.epoch += 1 }
                state.leaseEnd = sent + settings.lease - settings.margin
            }
        case "b" where sender == replica:
            acknowledged(number, by: replica)
        case "b":
            guard let connection = state.withLock({ $0.connection }), let acknowledgement = Self.acknowledgement(of: payload, by: replica) else {
                return
            }
            Task {
                do {
                    try await connection.query("SELECT pg_notify(\(channel), \(acknowledgement))", logger: logger).consume()
                } catch {
                    logger.debug("could not acknowledge a write", metadata: ["error": "\(DatabaseErrors.describe(error))"])
                }
            }
        case "k" where sender == replica:
            guard parts.count == 4, let acknowledger = UUID(uuidString: String(parts[3])) else { return }
            acknowledged(number, by: acknowledger)
        default:
            break
        }
    }

    /// What `replica` announces when it hears `payload`, if that is another replica's barrier: that it
    /// has heard everything committed before it.
    public static func acknowledgement(of payload: String, by replica: UUID) -> String? {
        let parts = payload.split(separator: ":")
        guard parts.count == 3, parts[0] == "b", let writer = UUID(uuidString: String(parts[1])), writer != replica, let number = Int(parts[2])
        else { return nil }
        return "k:\(writer):\(number):\(replica)"
    }

    private func acknowledged(_ number: Int, by acknowledger: UUID) {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.barriers[number]?.acknowledged.insert(acknowledger)
            defer { state.barriers[number]?.waiter = nil }
            return state.barriers[number]?.waiter
        }?.resume()
    }

    /// Returns when every replica (this one too) that may answer from memory has heard what this replica
    /// committed before the call, or its lease has ended. Call it after a write, before answering.
    ///
    /// One barrier answers for every write that asked before it was announced: a write that asks
    /// while one is under way waits for the next, which the first of them runs for all of them
    /// (with 32 writers, one statement and one round of acknowledgements for many writes, rather
    /// than one each, all serialized by the notifications' lock at commit).
    public func awaitEveryReplica(logger: Logger) async {
        let runsTheBarrier = await withCheckedContinuation { continuation in
            let runsNow = state.withLock { state in
                guard state.barrierUnderWay else {
                    state.barrierUnderWay = true
                    return true
                }
                state.nextRound.append(continuation)
                return false
            }
            if runsNow { continuation.resume(returning: true) }
        }
        guard runsTheBarrier else { return }
        // In a task of its own, so that a cancelled request does not end the barrier early for the others.
        await Task { await barrier(logger: logger) }.value
        let (covered, next) = state.withLock { state in
            let covered = state.round
            let next = state.nextRound.first
            state.round = Array(state.nextRound.dropFirst())
            state.nextRound = []
            state.barrierUnderWay = next != nil
            return (covered, next)
        }
        for write in covered { write.resume(returning: false) }
        next?.resume(returning: true)
    }

    /// How many writes wait for the barrier after the one under way.
    var writesWaitingForTheNextBarrier: Int {
        state.withLock { $0.nextRound.count }
    }

    private func barrier(logger: Logger) async {
        let number = state.withLock { state in
            state.lastNumber += 1
            state.barriers[state.lastNumber] = Barrier()
            return state.lastNumber
        }
        defer { state.withLock { _ = $0.barriers.removeValue(forKey: number) } }
        var leaseEnds: [UUID: ContinuousClock.Instant] = [:]
        do {
            // The barrier is announced only when some replica holds a live lease (the subquery
            // runs at the first row), as the statement commits: after this replica's write. This
            // replica waits for itself too: its own listener may not have heard a write it made
            // for another service (a pushed follow, say) that its own code did not drop.
            let rows = try await database.query(
                """
                SELECT replica, extract(epoch FROM lease_until - now())::float8, (SELECT pg_notify(\(channel), \("b:\(replica):\(number)")))::text
                FROM read_leases WHERE lease_until > now()
                """, logger: logger)
            let read = ContinuousClock.now
            for try await (other, remaining, _) in rows.decode((UUID, Double, String?).self) {
                leaseEnds[other] = read + .milliseconds(Int64((remaining * 1000).rounded(.up)))
            }
        } catch {
            logger.warning(
                "could not learn which replicas answer from memory; waiting for their leases to end",
                metadata: ["error": "\(DatabaseErrors.describe(error))"])
            _ = await Backoff.pause(settings.lease)
            return
        }
        while true {
            let now = ContinuousClock.now
            let (waitingUntil, heard) = state.withLock { state -> (ContinuousClock.Instant?, Int) in
                let acknowledged = state.barriers[number]?.acknowledged ?? []
                return (leaseEnds.filter { !acknowledged.contains($0.key) && $0.value > now }.values.max(), acknowledged.count)
            }
            guard let waitingUntil else { break }
            await nextAcknowledgement(of: number, after: heard, until: waitingUntil)
        }
        let acknowledged = state.withLock { $0.barriers[number]?.acknowledged ?? [] }
        let silent = leaseEnds.keys.filter { !acknowledged.contains($0) }
        if !silent.isEmpty {
            logger.warning(
                "a replica did not acknowledge a write before its read lease ended; it answers from the database until it renews",
                metadata: ["replicas": "\(silent)"])
        }
    }

    /// Returns at the acknowledgement after the first `heard` of barrier `number` (at once if it came already), or at `deadline`.
    private func nextAcknowledgement(of number: Int, after heard: Int, until deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let now = self.state.withLock { state -> Bool in
                            guard !Task.isCancelled, let barrier = state.barriers[number], barrier.acknowledged.count == heard else { return true }
                            state.barriers[number]?.waiter = continuation
                            return false
                        }
                        if now { continuation.resume() }
                    }
                } onCancel: {
                    self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                        defer { state.barriers[number]?.waiter = nil }
                        return state.barriers[number]?.waiter
                    }?.resume()
                }
            }
            group.addTask { try? await Task.sleep(until: deadline) }
            await group.next()
            group.cancelAll()
        }
    }

    /// The table of leases; a service lists the group among its own.
    public static let migrations = MigrationGroup(
        "read_leases",
        [
            Migration(
                name: "the leases of the replicas that answer from memory",
                statements: ["CREATE TABLE read_leases (replica uuid PRIMARY KEY, lease_until timestamptz NOT NULL)"]
            )
        ]
    )
}
