import Foundation
import Logging
import PostgresNIO
import Synchronization

/// When the newest `size` articles begin (the distant past while there are fewer): a page of a
/// search or of the feed looks among them first, and only when they hold too few of its articles
/// among all. Any time serves correctly (a window that holds a page's articles holds the newest
/// ones; one that holds too few falls back to all), so each replica reads it at most once per
/// ``refreshInterval`` instead of before every page: an article written since is after it anyway,
/// and the window only widens.
final class RecentArticlesWindow: Sendable {
    static let refreshInterval = Duration.seconds(1)
    let size: Int
    private let known = Mutex<(start: Date, readAt: ContinuousClock.Instant)?>(nil)

    init(size: Int) {
        self.size = size
    }

    func start(database: PostgresClient, logger: Logger) async throws -> Date {
        let now = ContinuousClock.now
        if let known = known.withLock({ $0 }), now - known.readAt < Self.refreshInterval { return known.start }
        let rows = try await database.query(
            "SELECT created_at FROM articles ORDER BY created_at DESC, id DESC OFFSET \(size - 1) LIMIT 1", logger: logger)
        var start = Date.distantPast
        for try await newest in rows.decode(Date.self) { start = newest }
        known.withLock { $0 = (start, now) }
        return start
    }
}
