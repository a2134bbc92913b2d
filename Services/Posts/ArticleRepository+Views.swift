import Foundation
import HTTPKit
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
        return try await flagged([held.article], for: reader, readAt: generation, logger: logger)[0]
    }

    /// A page of a list or of a search as `reader` sees it, from ``cache`` when it holds it (but the
    /// feed's, which is the reader's own), else from the database.
    func listView(_ filter: ArticleFilter, page: Page, reader: UUID?, logger: Logger) async throws -> (articles: [ArticleRecord], count: Int) {
        guard filter.feedOf == nil, let generation = cache.readingGeneration() else {
            return try await list(filter, page: page, viewer: reader, logger: logger)
        }
        let key = ArticleViewCache.ListKey(
            tag: filter.tag, author: filter.author, favoritedBy: filter.favoritedBy, search: filter.search, limit: page.limit,
            offset: page.offset)
        let held: ArticleViewCache.ListPage
        if let page = cache.list(key) {
            held = page
        } else {
            held = try await cache.listReads.value(for: ArticleViewCache.ListRead(key: key, generation: generation)) {
                let read = try await list(filter, page: page, viewer: nil, logger: logger)
                let held = ArticleViewCache.ListPage(articles: read.articles, count: read.count)
                cache.store(held, for: key, readAt: generation)
                return held
            }
        }
        guard let reader else { return (held.articles, held.count) }
        return (try await flagged(held.articles, for: reader, readAt: generation, logger: logger), held.count)
    }

    /// The most used tags, most used first, from ``cache`` when it holds them.
    func popularTags(limit: Int, logger: Logger) async throws -> [String] {
        guard let generation = cache.readingGeneration() else { return try await readPopularTags(limit: limit, logger: logger) }
        if let held = cache.tags { return Array(held.prefix(limit)) }
        let tags = try await readPopularTags(limit: TagsController.limit, logger: logger)
        cache.store(tags: tags, readAt: generation)
        return Array(tags.prefix(limit))
    }

    /// `articles` with `reader`'s flags: from what the cache holds of the reader's favorites and
    /// follows, and for a set too large to hold, from one indexed query for these articles.
    private func flagged(_ articles: [ArticleRecord], for reader: UUID, readAt generation: Int, logger: Logger) async throws -> [ArticleRecord] {
        var relations = try await relations(of: reader, readAt: generation, logger: logger)
        if relations.favorites == nil || relations.following == nil {
            let rows = try await database.query(
                """
                SELECT true, article_id FROM favorites WHERE user_id = \(reader) AND article_id = ANY(\(relations.favorites == nil ? articles.map(\.id) : []))
                UNION ALL SELECT false, followee_id FROM follows
                WHERE follower_id = \(reader) AND followee_id = ANY(\(relations.following == nil ? articles.map(\.authorID) : []))
                """, logger: logger)
            var asked = ArticleViewCache.Reader(favorites: relations.favorites ?? [], following: relations.following ?? [])
            for try await (favorite, id) in rows.decode((Bool, UUID).self) {
                if favorite { asked.favorites?.insert(id) } else { asked.following?.insert(id) }
            }
            relations = asked
        }
        return articles.map(relations.flagging)
    }

    /// What the cache holds of `reader`'s favorites and follows, read (at most one more than it
    /// holds of each) and stored when it holds nothing of them.
    private func relations(of reader: UUID, readAt generation: Int, logger: Logger) async throws -> ArticleViewCache.Reader {
        if let held = cache.reader(reader) { return held }
        let limit = cache.settings.heldPerReader
        var favorites = Set<UUID>()
        var following = Set<UUID>()
        let rows = try await database.query(
            """
            (SELECT true, article_id FROM favorites WHERE user_id = \(reader) LIMIT \(limit + 1))
            UNION ALL (SELECT false, followee_id FROM follows WHERE follower_id = \(reader) LIMIT \(limit + 1))
            """, logger: logger)
        for try await (favorite, id) in rows.decode((Bool, UUID).self) {
            if favorite { favorites.insert(id) } else { following.insert(id) }
        }
        let read = ArticleViewCache.Reader(
            favorites: favorites.count > limit ? nil : favorites, following: following.count > limit ? nil : following)
        cache.store(read, of: reader, readAt: generation)
        return read
    }
}

extension ArticleViewCache.Reader {
    /// `article` with this reader's flags (none from a set not held).
    func flagging(_ article: ArticleRecord) -> ArticleRecord {
        var article = article
        article.favorited = favorites?.contains(article.id) ?? false
        article.author.following = following?.contains(article.authorID) ?? false
        return article
    }
}
