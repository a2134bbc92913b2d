import Basics
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Gives the articles written before search existed (migration `article_search`) their search vector, newest
/// first, a batch at a time, each batch a short transaction of its own: the articles stay readable
/// and writable meanwhile, and replicas share the work (a batch skips the rows another one holds).
/// New and edited articles get theirs from the trigger; once none is left, this does nothing more.
struct SearchIndexBackfill: Service {
    static let batchSize = 200

    let database: PostgresClient
    let logger: Logger

    init(database: PostgresClient, logger: Logger) {
        self.database = database
        self.logger = logger.component("search-backfill")
    }

    func run() async throws {
        let done: Int? = await Backoff(initial: .seconds(1), maximum: .seconds(30)).retry {
            try await backfill()
        } onFailure: { error, failures, delay in
            logger.warning(
                "indexing articles for search failed, trying again",
                metadata: ["failures": "\(failures)", "retry_in": "\(delay)", "error": "\(DatabaseErrors.describe(error))"])
        }
        if let done, done > 0 { logger.info("every article is indexed for search", metadata: ["indexed": "\(done)"]) }
        // A service that returns would stop the application.
        try? await gracefulShutdown()
    }

    /// Indexes every article that has no search vector yet; returns how many it did.
    @discardableResult
    func backfill() async throws -> Int {
        var total = 0
        while !Backoff.isStopping {
            let count = try await database.query(
                """
                UPDATE articles SET search_vector = article_search_document(title, description, body, tag_list)
                WHERE id IN (
                    SELECT id FROM articles WHERE search_vector IS NULL ORDER BY created_at DESC, id DESC
                    LIMIT \(Self.batchSize) FOR UPDATE SKIP LOCKED)
                RETURNING 1
                """,
                logger: logger
            ).collect().count
            if count > 0 {
                // The vectors are not announced by the articles' trigger (that would be every article
                // once): held pages of searches, which may have missed these articles, are dropped.
                try await database.query(
                    "SELECT pg_notify(\(ArticleViewAnnouncements.channel), \(ArticleViewAnnouncements.searchIndexChanged))", logger: logger)
            }
            total += count
            if total > 0, total % 5000 < count { logger.info("indexing articles for search", metadata: ["so_far": "\(total)"]) }
            if count < Self.batchSize { break }
        }
        return total
    }
}
