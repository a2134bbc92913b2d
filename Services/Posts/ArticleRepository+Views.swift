import Foundation
import Logging
import Persistence
import PostgresNIO

extension ArticleRepository {
    /// One article as `reader` sees it, from ``cache`` when it holds it, else from the database
    /// (and then held for the next read); a signed-in reader's flags from what the cache holds of
    /// their favorites and follows (read once, then kept current like the articles).
    func view(slug: String, reader: UUID?, logger: Logger) async throws -> ArticleRecord? {
        guard let generation = cache.readingGeneration() else {
            cache.count(.bypass)
            return try await find(slug: slug, viewer: reader, logger: logger)
        }
        guard let held = cache.entry(slug: slug) else {
            cache.count(.miss)
            guard let read = try await find(slug: slug, viewer: reader, logger: logger) else { return nil }
            cache.store(ArticleViewCache.Entry(article: read), readAt: generation)
            return read
        }
        cache.count(.hit)
        guard let reader else { return held.article }
        let relations = try await relations(of: reader, readAt: generation, logger: logger)
        var article = held.article
        article.favorited = relations.favorites.contains(article.id)
        article.author.following = relations.following.contains(article.authorID)
        return article
    }

    /// The most used tags, most used first, from ``cache`` when it holds them.
    func popularTags(limit: Int, logger: Logger) async throws -> [String] {
        guard let generation = cache.readingGeneration() else { return try await readPopularTags(limit: limit, logger: logger) }
        if let held = cache.tags { return Array(held.prefix(limit)) }
        let tags = try await readPopularTags(limit: TagsController.limit, logger: logger)
        cache.store(tags: tags, readAt: generation)
        return Array(tags.prefix(limit))
    }

    private func relations(of reader: UUID, readAt generation: Int, logger: Logger) async throws -> ArticleViewCache.Reader {
        if let held = cache.reader(reader) { return held }
        var read = ArticleViewCache.Reader(favorites: [], following: [])
        let rows = try await database.query(
            """
            SELECT true, article_id FROM favorites WHERE user_id = \(reader)
            UNION ALL SELECT false, followee_id FROM follows WHERE follower_id = \(reader)
            """, logger: logger)
        for try await (favorite, id) in rows.decode((Bool, UUID).self) {
            if favorite { read.favorites.insert(id) } else { read.following.insert(id) }
        }
        cache.store(read, of: reader, readAt: generation)
        return read
    }
}
