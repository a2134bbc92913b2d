import Foundation
import HTTPKit
import Logging
import Persistence
import PostgresNIO

/// How a search reads and ranks (the SQL functions are migration `article_search`'s).
enum ArticleSearch {
    /// The articles a search ranks, at most: its newest matches. Ranking reads each one's search
    /// vector, so a word that most articles hold would otherwise rank them all; beyond these, a
    /// search finds nothing more, and its `articlesCount` stops here.
    static let candidates = 200
    /// What a hit's excerpt may come from: the start of its body (`ts_headline` reads all it is given).
    static let excerptSourceLength = 2000
    /// Taken out of the excerpt's source: U+0002 and U+0003, which mark the matches in
    /// `ts_headline`'s answer (see ``headlineOptions``), so that the only marks are the matches; and
    /// Markdown's emphasis and code marks, which read as noise in a line of text.
    static let excerptOmits = "\u{2}\u{3}*`"
    /// `ts_headline`'s settings: a match is marked between U+0002 and U+0003, which
    /// ``ArticleSearch/excerptHTML(_:)`` turns into `<mark>` once the rest is escaped.
    static let headlineOptions = "StartSel=\u{2}, StopSel=\u{3}, MaxWords=30, MinWords=12, ShortWord=3, MaxFragments=2, FragmentDelimiter=\" … \""

    /// How many of the newest articles a search looks among first (see ``page(_:search:page:viewer:windowStart:)``):
    /// enough to hold the candidates of a word that 5% of them hold.
    static let recentWindow = 4000

    /// How much of the body's opening is the excerpt of a hit whose body holds none of the words.
    static let openingLength = 200

    /// The excerpt as HTML: its text escaped, its matches in `<mark>`.
    static func excerptHTML(_ headline: String) -> String {
        HTMLText.escape(headline).replacingOccurrences(of: "\u{2}", with: "<mark>").replacingOccurrences(of: "\u{3}", with: "</mark>")
    }

    /// The opening of a body (``openingLength`` characters and one more, to tell whether it goes on)
    /// as an excerpt: its whitespace made single spaces, cut after its last whole word, escaped.
    static func openingHTML(_ opening: String) -> String {
        var words = opening.split(whereSeparator: \.isWhitespace)
        let goesOn = opening.count > openingLength
        if goesOn, opening.last?.isWhitespace == false, words.count > 1 { words.removeLast() }
        return HTMLText.escape(words.joined(separator: " ")) + (goesOn ? " …" : "")
    }
}

// MARK: the query

extension ArticleSearch {
    /// The search's query (its words, in websearch_to_tsquery's syntax, bound after those already in `bindings`).
    static func query(_ search: String, bindings: inout PostgresBindings) -> String {
        "article_search_query(\(bindings.bind(search)))"
    }

    /// A page of a search: its newest ``ArticleSearch/candidates`` matches, ranked by relevance
    /// (`ts_rank`: the title weighs most, then the description and tags, then the body), then newest
    /// first; each row with the number of those matches and an excerpt of its body around the words
    /// found (`ts_headline`, only for the page's rows whose body holds them, as the vector's body part
    /// says; the others get the body's opening, which costs no parsing).
    ///
    /// The matches are looked for among the articles written since `windowStart` first (see
    /// ``RecentArticlesWindow``): when they hold ``ArticleSearch/candidates`` matches, those
    /// are the newest. With the window's start bound as a value, the planner knows how few articles
    /// it holds and intersects the GIN index's matches with the newest-first index's range, instead
    /// of testing the newest articles one by one until enough match (a word that a few percent of the
    /// articles hold, such as a tag's, took thousands of tests). Only when the window holds too few
    /// matches (a rare word, a phrase) are all matches read, from the GIN index or the newest-first
    /// index as the planner estimates. Its estimate for a word and a word left out assumes they are
    /// unrelated, and for "tag7 -tag7" it expected many matches and read every article through the
    /// first: such a search's fallback is kept from the newest-first index.
    static func page(_ filter: ArticleFilter, search: String, page: Page, viewer: UUID?, windowStart: Date) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: 16)
        bindings.append(viewer)
        let query = Self.query(search, bindings: &bindings)
        let leavesOut = "querytree(\(query)) <> \(query)::text"
        let conditions = filter.conditions(tagLimit: nil, bindings: &bindings)
        let omits = bindings.bind(ArticleSearch.excerptOmits)
        let candidates = Self.candidates
        let sql =
            """
            WITH recent AS MATERIALIZED (
                SELECT a.id, a.created_at, a.search_vector FROM articles a
                WHERE \(conditions) AND a.created_at >= \(bindings.bind(windowStart))
                ORDER BY a.created_at DESC, a.id DESC
                LIMIT \(candidates)
            ), matches AS (
                SELECT * FROM recent WHERE (SELECT count(*) FROM recent) = \(candidates)
                UNION ALL (
                    SELECT a.id, a.created_at, a.search_vector FROM articles a
                    WHERE \(conditions) AND (SELECT count(*) FROM recent) < \(candidates)
                    ORDER BY CASE WHEN \(leavesOut) THEN a.created_at + interval '0 s' ELSE a.created_at END DESC, a.id DESC
                    LIMIT \(candidates)
                )
            )

            SELECT \(ArticleColumns.list),
                hit.total,
                CASE WHEN in_body.matches THEN ts_headline('english', translate(left(a.body, \(ArticleSearch.excerptSourceLength)), \(omits), ''),
                    \(query), \(bindings.bind(ArticleSearch.headlineOptions))) END,
                CASE WHEN NOT in_body.matches THEN translate(left(a.body, \(ArticleSearch.openingLength + 1)), \(omits), '') END
            FROM (
                SELECT m.id, ts_rank(m.search_vector, \(query)) AS relevance, count(*) OVER () AS total
                FROM matches m
                ORDER BY relevance DESC, m.created_at DESC, m.id DESC
                LIMIT \(bindings.bind(page.limit)) OFFSET \(bindings.bind(page.offset))
            ) hit
            JOIN articles a ON a.id = hit.id
            JOIN users u ON u.id = a.author_id
            CROSS JOIN LATERAL (SELECT ts_filter(a.search_vector, '{c}') @@ \(query) AS matches) in_body
            ORDER BY hit.relevance DESC, a.created_at DESC, a.id DESC
            """
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    static func hit(_ row: PostgresRow) throws -> (article: ArticleRecord, total: Int) {
        var cells = PostgresCells(row)
        var article = try ArticleColumns.decode(&cells, withBody: false)
        let total: Int = try cells.next()
        let headline: String? = try cells.next()
        let opening: String? = try cells.next()
        article.excerpt = headline.map(excerptHTML) ?? openingHTML(opening ?? "")
        return (article, total)
    }

    /// Whether the search names no word to find, only words to leave out (whose matches its page then left out).
    static func findsNothingByItself(_ search: String, database: PostgresClient, logger: Logger) async throws -> Bool {
        let rows = try await database.query("SELECT querytree(article_search_query(\(search))) = 'T'", logger: logger)
        for try await nothing in rows.decode(Bool.self) { return nothing }
        return false
    }
}
