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
        return try await relations(of: reader, readAt: generation, logger: logger).flagging(held.article)
    }

    /// A page of a list as `reader` sees it, from ``cache`` when it holds it (but the feed's, which is
    /// the reader's own, and a search's), else from the database.
    func listView(_ filter: ArticleFilter, page: Page, reader: UUID?, logger: Logger) async throws -> (articles: [ArticleRecord], count: Int) {
        guard filter.feedOf == nil, filter.search == nil, let generation = cache.readingGeneration() else {
            return try await list(filter, page: page, viewer: reader, logger: logger)
        }
        let key = ArticleViewCache.ListKey(
            tag: filter.tag, author: filter.author, favoritedBy: filter.favoritedBy, limit: page.limit, offset: page.offset)
        let held: ArticleViewCache.ListPage
        if let page = cache.list(key) {
            held = page
        } else {
            let read = try await list(filter, page: page, viewer: nil, logger: logger)
            held = ArticleViewCache.ListPage(articles: read.articles, count: read.count)
            cache.store(held, for: key, readAt: generation)
        }
        guard let reader else { return (held.articles, held.count) }
        let relations = try await relations(of: reader, readAt: generation, logger: logger)
        return (held.articles.map { relations.flagging($0) }, held.count)
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

extension ArticleViewCache.Reader {
    /// `article` with this reader's flags.
    func flagging(_ article: ArticleRecord) -> ArticleRecord {
        var article = article
        article.favorited = favorites.contains(article.id)
        article.author.following = following.contains(article.authorID)
        return article
    }
}
