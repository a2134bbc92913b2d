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
}
