/// The one place a Swift `Duration` becomes the numbers other libraries take (NIO's `TimeAmount`
/// has its own `TimeAmount(_: Duration)`).
extension Duration {
    /// Whole milliseconds (librdkafka's and libcurl's settings and timeouts, PostgreSQL's `statement_timeout`).
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
