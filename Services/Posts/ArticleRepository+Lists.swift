import Foundation
import HTTPKit
import Logging
import Persistence
import PostgresNIO

/// The lists of articles: the home page's, the filtered ones and the feed, and searches. A page,
/// whatever its size, takes two queries at most: the page (with authors, tags, favorites and the
/// caller's relations, all in one statement) and its total, which for the unfiltered list and a
/// single tag comes from counters kept with every change (the unfiltered list's page brings it along).
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
        let rows = try await database.query(Self.filteredPage(filter, page: page, viewer: viewer), logger: logger)
            .map { try ArticleColumns.decode($0, withBody: false) }
        return (try await rows.reduce(into: []) { $0.append($1) }, try await count(filter, logger: logger))
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

    /// A lone tag takes only the newest `limit + offset` ids of that tag, which its index holds in
    /// article order.
    private static func filteredPage(_ filter: ArticleFilter, page: Page, viewer: UUID?) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: 8)
        bindings.append(viewer)
        let conditions = filter.conditions(tagLimit: filter == ArticleFilter(tag: filter.tag) ? page.end : nil, bindings: &bindings)
        let sql = """
            SELECT \(ArticleColumns.list)
            FROM (
                SELECT * FROM articles a
                WHERE \(conditions)
                ORDER BY a.created_at DESC, a.id DESC
                LIMIT \(bindings.bind(page.limit)) OFFSET \(bindings.bind(page.offset))
            ) a JOIN users u ON u.id = a.author_id
            ORDER BY a.created_at DESC, a.id DESC
            """
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
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
