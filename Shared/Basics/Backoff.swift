import ServiceLifecycle

/// The retry schedule of every retry loop: the first wait is `initial`, each further one twice the
/// one before, up to `maximum`. Its waits end as soon as the service begins to stop, so that no
/// retry loop holds up a shutdown.
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration

    public init(initial: Duration, maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait after the `failures`-th failure in a row (counted from 1).
    public func delay(afterFailure failures: Int) -> Duration {
        var delay = min(initial, maximum)
        var doublings = max(0, failures - 1)
        while doublings > 0 && delay < maximum {
            delay = min(delay * 2, maximum)
            doublings -= 1
        }
        return delay
    }

    /// Runs `operation` until it succeeds, and returns what it returned; nil when the service began
    /// to stop first. After each failure `failed` hears of it (the error, how many failures in a row,
    /// the wait before the next attempt), and ends the retries by throwing.
    public func retry<Result, Failure: Error>(
        _ operation: () async throws -> Result,
        onFailure failed: (_ error: any Error, _ failures: Int, _ delay: Duration) throws(Failure) -> Void
    ) async throws(Failure) -> Result? {
        var failures = 0
        while true {
            do {
                return try await operation()
            } catch {
                // An operation cut short by the shutdown is no failure to report.
                if Self.isStopping { return nil }
                failures += 1
                let wait = delay(afterFailure: failures)
                try failed(error, failures, wait)
                guard await Self.pause(wait) else { return nil }
            }
        }
    }

    /// Waits `duration`, or less when the service begins to stop meanwhile; false when it is stopping.
    public static func pause(_ duration: Duration) async -> Bool {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
        return !isStopping
    }

    /// The current task is being cancelled or its service is shutting down.
    public static var isStopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }
}
