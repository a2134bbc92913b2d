import NIOCore

/// The one place a Swift `Duration` becomes the numbers other libraries take.
extension Duration {
    /// Whole milliseconds (librdkafka's settings and timeouts).
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Seconds with their fraction (Foundation's `TimeInterval`, PostgreSQL's intervals).
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension TimeAmount {
    /// NIO's amount of time for a Swift `Duration`.
    public init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
