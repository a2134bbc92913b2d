import Foundation
import HTTPKit
import Logging
import Persistence
import PostgresNIO

/// The lists of articles: the home page's, the filtered ones and the feed, and searches. A page,
/// whatever its size, takes two queries at most (the feed's, three when its window misses): the
/// page (with authors, tags, favorites and the caller's relations, all in one statement) and its
/// total, which for the unfiltered list, a single tag and the feed comes from counters kept with
/// every change (the unfiltered list's page brings it along).
extension ArticleRepository {
    func list(_ filter: ArticleFilter, page: Page, viewer: UUID?, logger: Logger) async throws -> (articles: [ArticleRecord], count: Int) {
        if filter == ArticleFilter() {
            let rows = try await database.execute(NewestArticles(viewer: viewer, page: page), logger: logger).reduce(into: []) { $0.append($1) }
            let total = if let total = rows.first?.total { total } else { try await count(filter, logger: logger) }
            return (rows.map(\.article), total)
        }
        if let search = filter.search {
            let windowStart = try await searchWindow.start(database: database, logger: logger)
            let rows = try await database.query(
                ArticleSearch.page(filter, search: search, page: page, viewer: viewer, windowStart: windowStart), logger: logger
            )
            .map(ArticleSearch.hit).reduce(into: []) { $0.append($1) }
            if let total = rows.first?.total { return (rows.map(\.article), total) }
            if try await ArticleSearch.findsNothingByItself(search, database: database, logger: logger) {
                throw ConduitError(
                    .unprocessableContent, field: "search", "must name a word to find (a word left out with - finds nothing by itself)")
            }
            return ([], page.offset == 0 ? 0 : try await count(filter, logger: logger))
        }
        if let follower = filter.feedOf, filter == ArticleFilter(feedOf: follower) {
            return try await feed(of: follower, page: page, viewer: viewer, logger: logger)
        }
        return (try await filteredPage(filter, page: page, viewer: viewer, logger: logger), try await count(filter, logger: logger))
    }

    /// The articles of the authors `follower` follows. Their total is a counter of its own
    /// (`feed_totals`), and with it their share of all articles says whether the newest
    /// ``feedWindow`` articles are likely to hold the page: then the page is looked for there
    /// first, which reads a few index entries per author instead of every article of each (a
    /// reader following 1,000 authors of 1,000,000 articles: 1,000 short ranges instead of 10,000
    /// entries). The window holds the page when it gives a full one or the feed's last articles.
    private func feed(of follower: UUID, page: Page, viewer: UUID?, logger: Logger) async throws -> (articles: [ArticleRecord], count: Int) {
        let filter = ArticleFilter(feedOf: follower)
        let (total, everyArticle) = try await feedTotals(of: follower, logger: logger)
        guard page.offset < total else { return ([], total) }
        if total * feedWindow.size >= 2 * page.end * everyArticle {
            let windowStart = try await feedWindow.start(database: database, logger: logger)
            let articles = try await filteredPage(filter, page: page, viewer: viewer, since: windowStart, logger: logger)
            if articles.count == page.limit || page.offset + articles.count == total { return (articles, total) }
        }
        return (try await filteredPage(filter, page: page, viewer: viewer, logger: logger), total)
    }

    /// How many articles `follower`'s feed holds, and how many articles there are.
    private func feedTotals(of follower: UUID, logger: Logger) async throws -> (feed: Int, everyArticle: Int) {
        let rows = try await database.query(
            """
            SELECT coalesce((SELECT articles_count FROM feed_totals WHERE follower_id = \(follower)), 0)::int8,
                (SELECT articles_count FROM article_totals)::int8
            """,
            logger: logger
        )
        for try await (feed, everyArticle) in rows.decode((Int, Int).self) { return (feed, everyArticle) }
        return (0, 0)
    }

    /// The home page's list, each row with the total of articles (a page past the end has no row
    /// to carry it, and counts on its own): `newest_articles` (migration `newest_articles_with_one_plan`) holds the query, so that
    /// PostgreSQL plans it once per connection. (The filtered lists are not prepared: a generic plan
    /// cannot leave out the filters a request does not use, and was orders of magnitude slower.)
    struct NewestArticles: PostgresPreparedStatement {
        static let sql = "SELECT * FROM newest_articles($1, $2, $3)"
        static let bindingDataTypes: [PostgresDataType] = [.uuid, .int8, .int8]
        let viewer: UUID?
        let page: Page

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(viewer)
            bindings.append(page.limit)
            bindings.append(page.offset)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> (article: ArticleRecord, total: Int) {
            var cells = PostgresCells(row)
            return (try ArticleColumns.decode(&cells, withBody: false), try cells.next(column: "total"))
        }
    }

    /// A filtered page: its articles' ids come from the indexes alone, and only the page's rows are
    /// read from the table (reading every match's row to sort them read thousands of table pages
    /// for the feed of a reader who follows many authors). A lone tag takes only the newest
    /// `limit + offset` ids of that tag, which its index holds in article order. With `since`, only
    /// the articles written since then.
    private func filteredPage(
        _ filter: ArticleFilter, page: Page, viewer: UUID?, since: Date? = nil, logger: Logger
    ) async throws -> [ArticleRecord] {
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(viewer)
        var conditions = filter.conditions(tagLimit: filter == ArticleFilter(tag: filter.tag) ? page.end : nil, bindings: &bindings)
        if let since { conditions += "\n  AND a.created_at >= \(bindings.bind(since))" }
        let sql = """
            SELECT \(ArticleColumns.list)
            FROM (
                SELECT a.id FROM articles a
                WHERE \(conditions)
                ORDER BY a.created_at DESC, a.id DESC
                LIMIT \(bindings.bind(page.limit)) OFFSET \(bindings.bind(page.offset))
            ) page JOIN articles a ON a.id = page.id JOIN users u ON u.id = a.author_id
            ORDER BY a.created_at DESC, a.id DESC
            """
        let rows = try await database.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            .map { try ArticleColumns.decode($0, withBody: false) }
        return try await rows.reduce(into: []) { $0.append($1) }
    }

    /// How many articles match `filter`: from the counters when they can say, else counted (a
    /// search's up to its ``ArticleSearch/candidates``).
    func count(_ filter: ArticleFilter, logger: Logger) async throws -> Int {
        let rows: PostgresRowSequence
        switch filter {
        case ArticleFilter():
            rows = try await database.query("SELECT articles_count::int FROM article_totals", logger: logger)
        case ArticleFilter(tag: filter.tag):
            rows = try await database.query("SELECT coalesce((SELECT articles_count FROM tags WHERE name = \(filter.tag)), 0)", logger: logger)
        default:
            var bindings = PostgresBindings(capacity: 5)
            let conditions = filter.conditions(tagLimit: nil, bindings: &bindings)
            let limit = filter.search == nil ? "ALL" : String(ArticleSearch.candidates)
            let sql = "SELECT count(*)::int FROM (SELECT 1 FROM articles a WHERE \(conditions) LIMIT \(limit)) matching"
            rows = try await database.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        }
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
