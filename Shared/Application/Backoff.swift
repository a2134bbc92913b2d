import ServiceLifecycle

/// Exponential backoff between retries: each `next()` is twice the last, up to `maximum`.
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    private var current: Duration

    public init(initial: Duration, maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    /// The delay to wait now; the following one doubles.
    public mutating func next() -> Duration {
        defer { current = min(current * 2, maximum) }
        return current
    }

    public mutating func reset() { current = initial }

    /// Waits the next delay, cut short when the service is stopping. Returns false when it is, so
    /// that a retry loop ends instead of holding up the shutdown.
    public mutating func wait() async -> Bool {
        let delay = next()
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
        return !Self.isStopping
    }

    /// The current task is being cancelled or its service is shutting down.
    public static var isStopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }
}
