import ConduitContract
import Events
import Foundation
import HTTPKit
import Logging
import Messaging
import Persistence
import PostgresNIO

/// What a list of articles is narrowed to; nil fields do not narrow it.
struct ArticleFilter: Sendable, Equatable {
    var tag: String?
    var author: String?
    var favoritedBy: String?
    /// The articles of the authors this user follows.
    var feedOf: UUID?
    /// Words to look for (see ``ArticleSearch``); the list is then ranked by relevance.
    var search: String?
}

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

    /// How many of the newest articles a search that leaves words out looks among first (see
    /// `ArticleRepository.searchPage`): enough to hold the candidates of a word that 5% of them hold.
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

/// The SQL of articles, tags and favorites. Every change writes its event into the outbox in
/// the same transaction. A page of articles, whatever its size, takes two queries at most: the page
/// (with authors, tags, favorites and the caller's relations, all in one statement) and its total,
/// which for the unfiltered list and a single tag comes from counters kept with every change (the
/// unfiltered list's page brings it along).
struct ArticleRepository: Sendable {
    let database: PostgresClient

    // MARK: reading

    func list(_ filter: ArticleFilter, page: Page, viewer: UUID?, logger: Logger) async throws -> (articles: [ArticleRecord], count: Int) {
        if filter == ArticleFilter() {
            let rows = try await database.execute(NewestArticles(viewer: viewer, page: page), logger: logger).reduce(into: []) { $0.append($1) }
            let total = if let total = rows.first?.total { total } else { try await count(filter, logger: logger) }
            return (rows.map(\.article), total)
        }
        if let search = filter.search {
            let rows = try await database.query(Self.searchPage(filter, search: search, page: page, viewer: viewer), logger: logger)
                .map(Self.searchHit).reduce(into: []) { $0.append($1) }
            if let total = rows.first?.total { return (rows.map(\.article), total) }
            if try await Self.findsNothingByItself(search, database: database, logger: logger) {
                throw ConduitError(
                    .unprocessableContent, field: "search", "must name a word to find (a word left out with - finds nothing by itself)")
            }
            return ([], page.offset == 0 ? 0 : try await count(filter, logger: logger))
        }
        let rows = try await database.query(Self.filteredPage(filter, page: page, viewer: viewer), logger: logger).map(Self.pageArticle)
        return (try await rows.reduce(into: []) { $0.append($1) }, try await count(filter, logger: logger))
    }

    /// A page's columns, as the viewer (`$1`) sees them; authors are joined to the page only.
    private static let pageColumns = """
        SELECT a.id, a.slug, a.title, a.description, a.tag_list, a.created_at, a.updated_at, a.favorites_count,
            a.author_id, u.username, u.bio, u.image,
            EXISTS (SELECT 1 FROM follows fw WHERE fw.follower_id = $1 AND fw.followee_id = a.author_id),
            EXISTS (SELECT 1 FROM favorites fv WHERE fv.user_id = $1 AND fv.article_id = a.id)
        """

    private static func pageArticle(_ row: PostgresRow) throws -> ArticleRecord {
        var cells = PostgresCells(row)
        return try record(from: &cells, withBody: false)
    }

    /// `id, slug, title, description, [body,] tag_list, created_at, updated_at, favorites_count,
    /// author_id, username, bio, image, following, favorited`, as the page and one article select them.
    private static func record(from cells: inout PostgresCells, withBody: Bool) throws -> ArticleRecord {
        ArticleRecord(
            id: try cells.next(), slug: try cells.next(), title: try cells.next(), description: try cells.next(),
            body: withBody ? try cells.next(String.self) : nil, tagList: try cells.next(), createdAt: try cells.next(), updatedAt: try cells.next(),
            favoritesCount: try cells.next(), authorID: try cells.next(),
            author: Profile(username: try cells.next(), bio: try cells.next(), image: try cells.next(), following: try cells.next()),
            favorited: try cells.next()
        )
    }

    /// The home page's list, each row with the total of articles (a page past the end has no row
    /// to carry it, and counts on its own): `newest_articles` (migration 8) holds the query, so that
    /// PostgreSQL plans it once per connection. (The filtered lists are not prepared: a generic plan
    /// cannot leave out the filters a request does not use, and took 100 ms instead of 0.3.)
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
            return (try ArticleRepository.record(from: &cells, withBody: false), try cells.next())
        }
    }

    /// `filter`'s conditions on `articles a`, their values bound after those already in `bindings`:
    /// the one place where they are written, for a page, its count and a search. Each filter's ids
    /// come from its own index (ANY of an array the planner computes once); a search's matches, from
    /// the GIN index of the articles' search vectors.
    /// - Parameter tagLimit: how many of the tag's newest ids to take (nil: all of them).
    private static func conditions(_ filter: ArticleFilter, tagLimit: Int?, bindings: inout PostgresBindings) -> String {
        var conditions: [String] = []
        if let tag = filter.tag {
            let newest = tagLimit.map { " ORDER BY t.created_at DESC, t.article_id DESC LIMIT \(bindings.bind($0))" } ?? ""
            conditions.append("a.id = ANY (ARRAY (SELECT t.article_id FROM article_tags t WHERE t.tag = \(bindings.bind(tag))\(newest)))")
        }
        if let author = filter.author {
            conditions.append("a.author_id = ANY (ARRAY (SELECT id FROM users WHERE lower(username) = lower(\(bindings.bind(author)))))")
        }
        if let favoritedBy = filter.favoritedBy {
            conditions.append(
                """
                a.id = ANY (ARRAY (
                    SELECT f.article_id FROM favorites f JOIN users fu ON fu.id = f.user_id WHERE lower(fu.username) = lower(\(bindings.bind(favoritedBy)))))
                """)
        }
        if let feedOf = filter.feedOf {
            conditions.append("a.author_id = ANY (ARRAY (SELECT followee_id FROM follows WHERE follower_id = \(bindings.bind(feedOf))))")
        }
        if let search = filter.search {
            // A search of words to leave out only ('T', a query the index cannot use) would read every article: none match.
            let query = "article_search_query(\(bindings.bind(search)))"
            conditions.append("a.search_vector @@ \(query) AND querytree(\(query)) <> 'T'")
        }
        return conditions.isEmpty ? "true" : conditions.joined(separator: "\n  AND ")
    }

    /// A lone tag takes only the newest `limit + offset` ids of that tag, which its index holds in
    /// article order.
    private static func filteredPage(_ filter: ArticleFilter, page: Page, viewer: UUID?) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: 8)
        bindings.append(viewer)
        let conditions = Self.conditions(filter, tagLimit: filter == ArticleFilter(tag: filter.tag) ? page.end : nil, bindings: &bindings)
        let sql =
            pageColumns + """

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

    /// A page of a search: its newest ``ArticleSearch/candidates`` matches, ranked by relevance
    /// (`ts_rank`: the title weighs most, then the description and tags, then the body), then newest
    /// first; each row with the number of those matches and an excerpt of its body around the words
    /// found (`ts_headline`, only for the page's rows whose body holds them, as the vector's body part
    /// says; the others get the body's opening, which costs no parsing).
    ///
    /// The newest matches come from the newest-first index (read until enough match: a common word)
    /// or from the GIN index (every match, then the newest: a rare one), as the planner estimates.
    /// Its estimate for a word and a word left out assumes they are unrelated, and for "tag7 -tag7"
    /// it expected many matches and read every article through the first: such a search looks among
    /// the newest ``ArticleSearch/recentWindow`` articles first, and only if too few of them match,
    /// reads the GIN index's matches.
    private static func searchPage(_ filter: ArticleFilter, search: String, page: Page, viewer: UUID?) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: 16)
        bindings.append(viewer)
        let query = "article_search_query(\(bindings.bind(search)))"
        let leavesOut = "querytree(\(query)) <> \(query)::text"
        var others = filter
        others.search = nil
        let otherConditions = Self.conditions(others, tagLimit: nil, bindings: &bindings)
        let conditions = Self.conditions(filter, tagLimit: nil, bindings: &bindings)
        let omits = bindings.bind(ArticleSearch.excerptOmits)
        let candidates = ArticleSearch.candidates
        let sql =
            """
            WITH recent AS MATERIALIZED (
                SELECT r.id, r.created_at, r.search_vector FROM (
                    SELECT a.id, a.created_at, a.search_vector FROM articles a
                    WHERE \(otherConditions) AND \(leavesOut)
                    ORDER BY a.created_at DESC, a.id DESC
                    LIMIT \(ArticleSearch.recentWindow)
                ) r
                WHERE r.search_vector @@ \(query)
                ORDER BY r.created_at DESC, r.id DESC
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

            """ + pageColumns + """
                ,
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

    private static func searchHit(_ row: PostgresRow) throws -> (article: ArticleRecord, total: Int) {
        var cells = PostgresCells(row)
        var article = try record(from: &cells, withBody: false)
        let total: Int = try cells.next()
        let headline: String? = try cells.next()
        let opening: String? = try cells.next()
        article.excerpt = headline.map(ArticleSearch.excerptHTML) ?? ArticleSearch.openingHTML(opening ?? "")
        return (article, total)
    }

    /// Whether the search names no word to find, only words to leave out (whose matches its page then left out).
    private static func findsNothingByItself(_ search: String, database: PostgresClient, logger: Logger) async throws -> Bool {
        let rows = try await database.query("SELECT querytree(article_search_query(\(search))) = 'T'", logger: logger)
        for try await nothing in rows.decode(Bool.self) { return nothing }
        return false
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
            let conditions = Self.conditions(filter, tagLimit: nil, bindings: &bindings)
            let limit = filter.search == nil ? "ALL" : String(ArticleSearch.candidates)
            let sql = "SELECT count(*)::int FROM (SELECT 1 FROM articles a WHERE \(conditions) LIMIT \(limit)) matching"
            rows = try await database.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        }
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    /// One article, with its body, as `viewer` sees it.
    func find(slug: String, viewer: UUID?, logger: Logger) async throws -> ArticleRecord? {
        try await find(slug: slug, viewer: viewer, on: nil, logger: logger)
    }

    private func find(slug: String, viewer: UUID?, on connection: PostgresConnection?, logger: Logger) async throws -> ArticleRecord? {
        for try await article in try await database.execute(ArticleBySlug(slug: slug, viewer: viewer), on: connection, logger: logger) {
            return article
        }
        return nil
    }

    /// The hottest read, prepared once per connection: PostgreSQL parses and plans it once.
    struct ArticleBySlug: PostgresPreparedStatement {
        static let sql = """
            SELECT a.id, a.slug, a.title, a.description, a.body, a.tag_list, a.created_at, a.updated_at, a.favorites_count,
                a.author_id, u.username, u.bio, u.image,
                EXISTS (SELECT 1 FROM follows fw WHERE fw.follower_id = $2 AND fw.followee_id = a.author_id),
                EXISTS (SELECT 1 FROM favorites fv WHERE fv.user_id = $2 AND fv.article_id = a.id)
            FROM articles a JOIN users u ON u.id = a.author_id
            WHERE a.slug = $1
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .uuid]

        let slug: String
        let viewer: UUID?

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(slug)
            bindings.append(viewer)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ArticleRecord {
            var cells = PostgresCells(row)
            return try ArticleRepository.record(from: &cells, withBody: true)
        }
    }

    /// The article as other services know it (posts' internal route, the article events).
    func reference(slug: String, logger: Logger) async throws -> ArticleReference? {
        try await reference(slug: slug, on: nil, logger: logger)
    }

    private func reference(slug: String, on connection: PostgresConnection?, logger: Logger) async throws -> ArticleReference? {
        for try await reference in try await database.execute(ArticleReferenceBySlug(slug: slug), on: connection, logger: logger) {
            return reference
        }
        return nil
    }

    /// What comments asks of every article it has not seen in the last seconds.
    struct ArticleReferenceBySlug: PostgresPreparedStatement {
        static let sql = "SELECT id, slug, author_id, title FROM articles WHERE slug = $1"
        static let bindingDataTypes: [PostgresDataType] = [.text]
        let slug: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(slug)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ArticleReference {
            var cells = PostgresCells(row)
            return ArticleReference(articleID: try cells.next(), slug: try cells.next(), authorID: try cells.next(), title: try cells.next())
        }
    }

    /// The most used tags, most used first.
    func popularTags(limit: Int, logger: Logger) async throws -> [String] {
        try await database.execute(PopularTags(limit: limit), logger: logger).reduce(into: []) { $0.append($1) }
    }

    /// Prepared once per connection: parsing and planning it cost PostgreSQL as much as running it.
    struct PopularTags: PostgresPreparedStatement {
        static let sql = "SELECT name FROM tags WHERE articles_count > 0 ORDER BY articles_count DESC, name LIMIT $1"
        static let bindingDataTypes: [PostgresDataType] = [.int8]
        let limit: Int

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(limit)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> String {
            var cells = PostgresCells(row)
            return try cells.next()
        }
    }

    // MARK: changing

    struct NewArticle: Sendable {
        var title: String
        var description: String
        var body: String
        var tags: [String]
    }

    func create(_ article: NewArticle, by author: AuthenticatedUser, logger: Logger) async throws -> ArticleRecord {
        try await withFreeSlug(for: article.title, keeping: nil, logger: logger) { slug, connection in
            try await UserProjection.ensureUser(id: author.id, username: author.username, on: connection, logger: logger)
            let id = UUID()
            let now = Date()
            try await connection.query(
                """
                INSERT INTO articles (id, slug, title, description, body, tag_list, author_id, created_at, updated_at)
                VALUES (\(id), \(slug), \(article.title), \(article.description), \(article.body), \(article.tags), \(author.id), \(now), \(now))
                """,
                logger: logger
            )
            try await adjustCounts(tags: article.tags, by: 1, on: connection, logger: logger)
            if !article.tags.isEmpty {
                try await connection.query(
                    "INSERT INTO article_tags (tag, article_id, created_at) SELECT unnest(\(article.tags)::text[]), \(id), \(now)",
                    logger: logger
                )
            }
            try await Outbox.append(
                ArticleCreated(article: ArticleReference(articleID: id, slug: slug, authorID: author.id, title: article.title)),
                on: connection, logger: logger
            )
            return try await find(slug: slug, viewer: author.id, on: connection, logger: logger)!
        }
    }

    struct Changes: Sendable {
        var title: String?
        var description: String?
        var body: String?
    }

    /// What became of a change that only the article's author may make.
    enum Outcome<Result: Sendable>: Sendable {
        case done(Result)
        case notFound
        case notAuthor
    }

    /// Applies `changes` if `editor` wrote the article; a new title gives it a new slug.
    func update(slug: String, changes: Changes, editor: UUID, logger: Logger) async throws -> Outcome<ArticleRecord> {
        guard let current = try await reference(slug: slug, logger: logger) else { return .notFound }
        guard current.authorID == editor else { return .notAuthor }
        let newTitle = changes.title.flatMap { Slug.make(from: $0) == Slug.make(from: current.title) ? nil : $0 }
        let record = try await withFreeSlug(for: newTitle, keeping: current.slug, logger: logger) { newSlug, connection -> ArticleRecord? in
            let rows = try await connection.query(
                """
                UPDATE articles SET slug = \(newSlug), title = coalesce(\(changes.title), title),
                    description = coalesce(\(changes.description), description), body = coalesce(\(changes.body), body), updated_at = \(Date())
                WHERE id = \(current.articleID) AND author_id = \(editor)
                RETURNING id
                """,
                logger: logger
            )
            guard try await rows.collect().count == 1 else { return nil }
            let updated = try await find(slug: newSlug, viewer: editor, on: connection, logger: logger)!
            try await Outbox.append(ArticleUpdated(article: updated.reference), on: connection, logger: logger)
            return updated
        }
        return record.map(Outcome.done) ?? .notFound
    }

    func delete(slug: String, by user: UUID, logger: Logger) async throws -> Outcome<ArticleReference> {
        try await database.withTransaction(logger: logger) { connection -> Outcome<ArticleReference> in
            let rows = try await connection.query(
                "SELECT id, slug, author_id, title, tag_list FROM articles WHERE slug = \(slug) FOR UPDATE",
                logger: logger
            )
            var found: (ArticleReference, [String])?
            for try await (id, slug, authorID, title, tags) in rows.decode((UUID, String, UUID, String, [String]).self) {
                found = (ArticleReference(articleID: id, slug: slug, authorID: authorID, title: title), tags)
            }
            guard let (article, tags) = found else { return .notFound }
            guard article.authorID == user else { return .notAuthor }
            try await adjustCounts(tags: tags, by: -1, on: connection, logger: logger)
            try await connection.query("DELETE FROM articles WHERE id = \(article.articleID)", logger: logger)
            try await Outbox.append(ArticleDeleted(article: article), on: connection, logger: logger)
            return .done(article)
        }
    }

    /// Favorites or unfavorites; doing it twice changes nothing and writes no second event.
    /// Nil when no article has that slug.
    func setFavorite(_ favorite: Bool, slug: String, user: AuthenticatedUser, logger: Logger) async throws -> ArticleRecord? {
        try await database.withTransaction(logger: logger) { connection -> ArticleRecord? in
            try await UserProjection.ensureUser(id: user.id, username: user.username, on: connection, logger: logger)
            guard let article = try await reference(slug: slug, on: connection, logger: logger) else { return nil }
            let changed =
                if favorite {
                    try await connection.query(
                        "INSERT INTO favorites (user_id, article_id) VALUES (\(user.id), \(article.articleID)) ON CONFLICT DO NOTHING RETURNING 1",
                        logger: logger
                    ).collect().count == 1
                } else {
                    try await connection.query(
                        "DELETE FROM favorites WHERE user_id = \(user.id) AND article_id = \(article.articleID) RETURNING 1",
                        logger: logger
                    ).collect().count == 1
                }
            if changed {
                let delta = favorite ? 1 : -1
                try await connection.query(
                    "UPDATE articles SET favorites_count = favorites_count + \(delta) WHERE id = \(article.articleID)", logger: logger)
                if favorite {
                    try await Outbox.append(
                        ArticleFavorited(article: article, userID: user.id), on: connection, logger: logger)
                } else {
                    try await Outbox.append(
                        ArticleUnfavorited(article: article, userID: user.id), on: connection, logger: logger)
                }
            }
            return try await find(slug: slug, viewer: user.id, on: connection, logger: logger)
        }
    }

    // MARK: helpers

    /// Keeps the tag and total counters in step; tags are locked in name order, so two changes
    /// never wait on each other's tags in a cycle.
    private func adjustCounts(tags: [String], by delta: Int, on connection: PostgresConnection, logger: Logger) async throws {
        if !tags.isEmpty {
            try await connection.query(
                """
                INSERT INTO tags (name, articles_count) SELECT name, \(delta) FROM unnest(\(tags.sorted())::text[]) AS name ORDER BY name
                ON CONFLICT (name) DO UPDATE SET articles_count = tags.articles_count + EXCLUDED.articles_count
                """,
                logger: logger
            )
        }
        try await connection.query("UPDATE article_totals SET articles_count = articles_count + \(delta)", logger: logger)
    }

    static let slugConstraint = "articles_slug_unique"

    /// Runs `body` in a transaction with a slug for `title` that no other article has: the
    /// title's own slug when it is free, else that slug with a random suffix; with no title, the
    /// slug `keeping`. Two writers taking the same slug at once meet at the unique index; the
    /// loser tries again.
    private func withFreeSlug<T: Sendable>(
        for title: String?,
        keeping current: String?,
        logger: Logger,
        _ body: @Sendable @escaping (String, PostgresConnection) async throws -> T
    ) async throws -> T {
        for attempt in 0..<5 {
            do {
                return try await database.withTransaction(logger: logger) { connection in
                    guard let title else { return try await body(current ?? "", connection) }
                    var slug = Slug.make(from: title)
                    let taken = try await connection.query("SELECT 1 FROM articles WHERE slug = \(slug)", logger: logger).collect().count > 0
                    if taken || attempt > 0 { slug = Slug.withSuffix(slug) }
                    return try await body(slug, connection)
                }
            } catch  where DatabaseErrors.violatedUniqueConstraint(error) == Self.slugConstraint {
                continue
            }
        }
        throw ConduitError(.conflict, field: "title", "could not find a free slug for this title, try again")
    }
}

extension PostgresBindings {
    /// Binds `value` and returns its placeholder (`$1`, `$2`, …) for the SQL being written.
    fileprivate mutating func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
        append(value)
        return "$\(count)"
    }
}
