import Settings

/// The analytics service's own settings, read beside the shared ``ServiceConfiguration``.
struct AnalyticsConfiguration: Sendable {
    /// How often the reads counted in memory go to the event log as `article.read` batches
    /// (`READS_FLUSH_INTERVAL`): how late a read shows, at most, before the consumer's own delay.
    var readsFlushInterval: Duration
    /// How many articles one batch may hold (`READS_MAX_PENDING_ARTICLES`); reads of further
    /// articles are dropped until it is published, so a flood of made-up slugs cannot exhaust memory.
    var maxPendingArticles: Int

    init(environment: EnvironmentReader) throws(ConfigurationError) {
        readsFlushInterval = try environment.seconds("READS_FLUSH_INTERVAL", default: 1, in: 0.01...60)
        maxPendingArticles = try environment.integer("READS_MAX_PENDING_ARTICLES", default: 100_000, in: 1...10_000_000)
    }
}
