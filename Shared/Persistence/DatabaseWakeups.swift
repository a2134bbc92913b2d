import Basics
import Logging
import PostgresNIO
import Synchronization

/// Wakes a worker that waits for rows other transactions commit, instead of it polling: PostgreSQL
/// delivers a `NOTIFY` on `channel` when the transaction that sent it commits, and this `LISTEN`s
/// there on a connection of its own (leased from the pool for as long as it listens).
///
/// The worker looks for work, then ``wait(atMost:)``s for the next notification, or for its slow
/// safety-net interval, whichever comes first. A notification that comes while the worker is busy
/// is kept (one is enough: the worker looks for everything), so nothing waits for the safety net.
/// When the connection is lost (the database restarted), it listens again as soon as it can, and
/// then wakes the worker once: what was committed while nobody listened is found at once too.
public final class DatabaseWakeups: Sendable {
    public let channel: String
    private let state = Mutex(State())
    private let listening = Atomic<Bool>(false)

    /// Whether a notification sent now would reach this listener: false before it first listens
    /// and from a lost connection until it listens again.
    public var isListening: Bool { listening.load(ordering: .acquiring) }

    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    /// Sends the notification that wakes whoever listens on `channel`, when `connection`'s
    /// transaction commits (at once outside a transaction). Several in one transaction wake once.
    public static func notify(_ channel: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_notify(\(channel), '')", logger: logger).consume()
    }

    init(channel: String) {
        self.channel = channel
    }

    /// Where the listening connection comes from: leased from the service's pool, or opened for
    /// the listener alone (which leaves the pool's few connections to the requests).
    public enum ListeningConnection: Sendable {
        case pooled(PostgresClient)
        case dedicated(DatabaseConfiguration)

        func with(logger: Logger, _ body: (PostgresConnection) async throws -> Void) async throws {
            switch self {
            case .pooled(let client):
                try await client.withConnection { try await body($0) }
            case .dedicated(let configuration):
                let connection = try await PostgresConnection.connect(
                    configuration: try configuration.postgresConnectionConfiguration(connectTimeout: configuration.connectTimeout), id: 0,
                    logger: logger)
                do {
                    try await body(connection)
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            }
        }
    }

    /// Runs `body` while listening on `channel` through `client`, and stops listening when it returns.
    public static func listening(
        on channel: String, client: PostgresClient, logger: Logger, _ body: (DatabaseWakeups) async throws -> Void
    ) async throws {
        try await listening(on: channel, through: .pooled(client), logger: logger, body)
    }

    /// Runs `body` while listening on `channel` through `connection`, and stops listening when it returns.
    public static func listening(
        on channel: String, through connection: ListeningConnection, logger: Logger, _ body: (DatabaseWakeups) async throws -> Void
    ) async throws {
        let wakeups = DatabaseWakeups(channel: channel)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await wakeups.listen(through: connection, logger: logger) }
            defer { group.cancelAll() }
            try await body(wakeups)
        }
    }

    /// Returns at the next notification (at once if one came since the last wait), after `timeout`,
    /// or when the task is cancelled or its service begins to stop. One worker waits at a time.
    public func wait(atMost timeout: Duration) async {
        let alreadyNotified = state.withLock { state in
            defer { state.pending = false }
            return state.pending
        }
        if alreadyNotified { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.nextNotification() }
            group.addTask { _ = await Backoff.pause(timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func nextNotification() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }?.resume()
        }
    }

    /// Wakes the waiting worker, or the next one to wait.
    func wake() {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }?.resume()
    }

    /// Listens until cancelled, waking the worker each time it begins to listen and at every notification.
    func listen(through source: ListeningConnection, logger: Logger) async {
        await source.listen(
            on: channel, logger: logger,
            began: { _ in
                listening.store(true, ordering: .releasing)
                wake()
            },
            heard: { _ in wake() },
            lost: { listening.store(false, ordering: .releasing) }
        )
    }
}

extension DatabaseWakeups.ListeningConnection {
    /// Listens on `channel` until cancelled, again after every lost connection (with backoff while
    /// the database is away). `began` hears of each time it begins to listen (a notification sent
    /// since it last listened was lost), with the connection, which may also send statements while
    /// it listens; `heard` of each notification's payload, in the order of the commits that sent
    /// them, and `lost` of each time it stops listening.
    public func listen(
        on channel: String, logger: Logger, began: (PostgresConnection) -> Void, heard: (String) -> Void, lost: () -> Void
    ) async {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        var failures = 0
        while !Task.isCancelled {
            do {
                try await with(logger: logger) { connection in
                    try await connection.listen(on: channel) { notifications in
                        if failures > 0 { logger.info("listening again", metadata: ["channel": "\(channel)"]) }
                        failures = 0
                        began(connection)
                        for try await notification in notifications { heard(notification.payload) }
                    }
                }
                lost()
            } catch {
                lost()
                if Task.isCancelled { return }
                failures += 1
                let delay = backoff.delay(afterFailure: failures)
                if failures == 1 {
                    logger.warning(
                        "lost the database's notifications; listening again",
                        metadata: ["channel": "\(channel)", "error": "\(DatabaseErrors.describe(error))"]
                    )
                }
                guard (try? await Task.sleep(for: delay)) != nil else { return }
            }
        }
    }
}

extension PostgresRowSequence {
    /// Reads the rows to their end, for a statement whose rows say nothing.
    public func consume() async throws {
        for try await _ in self {}
    }
}
