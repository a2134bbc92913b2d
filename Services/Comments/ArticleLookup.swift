import Basics
import Events
import Foundation
import HTTPKit
import Logging
import PostgresNIO

/// Finds an article by its slug: in comments' own copy of the articles (``ArticleProjection``), else
/// by asking posts (`GET /internal/articles/{slug}`) through a ``ServiceClient`` (short timeouts,
/// bounded retry, keep-alive; 503 when posts cannot answer), whose answer the copy then keeps. So
/// posts is asked only about an article whose events have not arrived yet, or a slug nobody holds.
///
/// Found articles are also held in memory for `cacheLifetime` (default 5 s). Until a rename's or a
/// deletion's event reaches the copy (and within that time), a renamed article's old slug may still
/// be accepted and a deleted article's comments still listed. The first is harmless (the comment is
/// stored under the article's id) and the second is closed by `deleted_articles`, which the
/// article.deleted event fills. "Not found" is never cached, so a new article can be commented on at once.
final class ArticleLookup: Sendable {
    let client: ServiceClient
    let database: PostgresClient
    let cacheLifetime: Duration
    private let cache = ExpiringCache<String, ArticleReference>(capacity: 10_000)

    init(client: ServiceClient, database: PostgresClient, cacheLifetime: Duration = .seconds(5)) {
        self.client = client
        self.database = database
        self.cacheLifetime = cacheLifetime
    }

    /// The article with `slug`, or nil when posts says there is none.
    func article(slug: String, logger: Logger) async throws -> ArticleReference? {
        let now = ContinuousClock.now
        if let cached = cache.value(for: slug, now: now) { return cached }
        if let held = try await ArticleProjection.find(slug: slug, database: database, logger: logger) {
            cache.store(held, for: slug, until: now + cacheLifetime, now: now)
            return held
        }
        let path = "/internal/articles/" + slug.urlComponentEncoded
        let reply = try await client.get(path, logger: logger)
        switch reply.status {
        case 200:
            let article = try JSONDecoder().decode(ArticleReference.self, from: reply.body)
            try await ArticleProjection.remember(article, database: database, logger: logger)
            cache.store(article, for: slug, until: now + cacheLifetime, now: now)
            return article
        case 404:
            return nil
        default:
            logger.error("posts answered the article look-up unexpectedly", metadata: ["status": "\(reply.status)"])
            throw ConduitError.unavailable("the posts service is unavailable, try again")
        }
    }
}
