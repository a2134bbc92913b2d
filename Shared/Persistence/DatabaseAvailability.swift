import Basics
import Logging
import Metrics
import NIOCore
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Whether the service's database answers, as its ``DatabaseMonitor`` last saw it.
///
/// A request that needs the database while it is unreachable is failed at once (HTTP 503), instead
/// of waiting in the pool's queue while the pool keeps failing to connect, which it does for up to a
/// minute before giving up on the waiting requests.
public final class DatabaseAvailability: Sendable {
    private let reachable = Atomic<Bool>(true)
    private let waiters = Mutex<[Int: CheckedContinuation<Void, Never>]>([:])
    private let nextWaiter = Atomic<Int>(0)

    public init() {}

    public var isReachable: Bool { reachable.load(ordering: .relaxed) }

    /// Records what the monitor saw; true when that changed the state.
    @discardableResult
    func record(reachable now: Bool) -> Bool {
        guard reachable.exchange(now, ordering: .relaxed) != now else { return false }
        if !now {
            for waiter in waiters.withLock({ waiters in
                defer { waiters = [:] }
                return Array(waiters.values)
            }) { waiter.resume() }
        }
        return true
    }

    /// Returns once the database is found unreachable (at once if it is), or when the task is cancelled.
    public func waitUntilUnreachable() async {
        let id = nextWaiter.wrappingAdd(1, ordering: .relaxed).oldValue
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = waiters.withLock { waiters -> Bool in
                    if !isReachable || Task.isCancelled { return true }
                    waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            waiters.withLock { $0.removeValue(forKey: id) }?.resume()
        }
    }
}

/// Watches the database on a connection of its own (so that a pool busy with requests is never taken
/// for a database that is down): a `SELECT 1` every `interval`, more often while it fails, each
/// bounded by `timeout`; opening the connection is bounded by the database's connect timeout.
///
/// An answer that says the database is away (a refused or closed connection, a server that refuses
/// the session) counts at once, once a new connection fails too (a connection can end without the
/// database going away, and a query on a connection the server ended was seen to wait for ever). A mere lack of answer counts only after `patience` of them in a row: on a
/// machine too busy to answer in time, failing every request would be worse than waiting.
/// Keeps ``DatabaseAvailability`` and the `inkwell_database_up` gauge current, and logs each change.
public struct DatabaseMonitor: Service {
    let configuration: DatabaseConfiguration
    let availability: DatabaseAvailability
    let interval: Duration
    let timeout: Duration
    let patience: Int
    let logger: Logger

    public init(
        configuration: DatabaseConfiguration, availability: DatabaseAvailability, interval: Duration = .milliseconds(500),
        timeout: Duration = .seconds(1), patience: Int = 3, logger: Logger
    ) {
        self.configuration = configuration
        self.availability = availability
        self.interval = interval
        self.timeout = timeout
        self.patience = patience
        self.logger = logger.component("database-monitor")
    }

    public func run() async throws {
        let gauge = Gauge(label: "inkwell_database_up")
        gauge.record(1)
        var connection: PostgresConnection?
        var lastFailure = ""
        var unanswered = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                do {
                    connection = try await checked(connection)
                } catch  where connection != nil {
                    connection = try await checked(nil)
                }
                unanswered = 0
                if availability.record(reachable: true) {
                    gauge.record(1)
                    logger.notice("the database answers again; requests that need it are served")
                }
            } catch {
                connection = nil
                let reason = DatabaseErrors.describe(error)
                if Self.isTimeout(error) {
                    unanswered += 1
                    if unanswered < patience {
                        logger.warning("the database did not answer in time", metadata: ["reason": "\(reason)", "in_a_row": "\(unanswered)"])
                        guard await Backoff.pause(interval / 2) else { break }
                        continue
                    }
                }
                if availability.record(reachable: false) || reason != lastFailure {
                    gauge.record(0)
                    logger.error(
                        "the database does not answer; requests that need it are answered 503 until it does", metadata: ["reason": "\(reason)"])
                }
                lastFailure = reason
            }
            guard await Backoff.pause(availability.isReachable ? interval : interval / 2) else { break }
        }
        try? await connection?.close()
    }

    /// A `SELECT 1` on `connection`, or on a new one when it is nil; the connection, once it answered.
    /// A connection that failed is closed.
    private func checked(_ connection: PostgresConnection?) async throws -> PostgresConnection {
        let live: PostgresConnection
        if let connection, !connection.isClosed {
            live = connection
        } else {
            live = try await PostgresConnection.connect(
                configuration: try configuration.postgresConnectionConfiguration(connectTimeout: configuration.connectTimeout), id: 0, logger: logger)
        }
        do {
            try await Self.probe(live, within: timeout, logger: logger)
            return live
        } catch {
            try? await live.close()
            throw error
        }
    }

    /// Whether `error` is only a lack of answer (of the probe, or of a connection being opened).
    static func isTimeout(_ error: any Error) -> Bool {
        if error is NoAnswer { return true }
        if let error = error as? PSQLError, error.code == .connectionError, case .connectTimeout = error.underlying as? ChannelError {
            return true
        }
        return false
    }

    struct NoAnswer: Error, CustomStringConvertible {
        let timeout: Duration
        var description: String { "no answer within \(timeout)" }
    }

    /// A `SELECT 1` on `connection`, for at most `timeout`; then the connection is closed. The
    /// query is not awaited past that: on a connection whose peer vanished it was seen never to
    /// return, even once the connection was closed.
    static func probe(_ connection: PostgresConnection, within timeout: Duration, logger: Logger) async throws {
        let outcome = FirstOutcome()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            outcome.set(continuation)
            let query = Task {
                do {
                    try await connection.query("SELECT 1", logger: logger).consume()
                    outcome.resume(with: .success(()))
                } catch {
                    outcome.resume(with: .failure(error))
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                guard outcome.resume(with: .failure(NoAnswer(timeout: timeout))) else { return }
                query.cancel()
                try? await connection.close()
            }
        }
    }

    /// Resumes a continuation with whichever outcome comes first.
    final class FirstOutcome: Sendable {
        private let continuation = Mutex<CheckedContinuation<Void, any Error>?>(nil)

        func set(_ continuation: CheckedContinuation<Void, any Error>) {
            self.continuation.withLock { $0 = continuation }
        }

        /// False when another outcome came first.
        @discardableResult
        func resume(with result: Result<Void, any Error>) -> Bool {
            guard
                let continuation = continuation.withLock({ state in
                    defer { state = nil }
                    return state
                })
            else { return false }
            continuation.resume(with: result)
            return true
        }
    }
}
