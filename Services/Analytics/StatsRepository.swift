import Events
import Foundation
import Logging
import Messaging
import NIOCore
import Persistence
import PostgresNIO

/// The daily counts: what the event handlers add (on the consumer's transaction) and what the
/// routes read.
struct StatsRepository: Sendable {
    let database: PostgresClient

    /// One day's numbers of an article (`followers` is always 0) or an author.
    struct DayCounts: Sendable, Equatable {
        var reads = 0
        var uniqueReaders = 0
        var favorites = 0
        var comments = 0
        var followers = 0
    }

    struct ArticleTotals: Sendable, Equatable {
        var slug: String
        var title: String
        var counts: DayCounts
    }

    struct KnownArticle: Sendable, Equatable {
        var id: UUID
        var authorID: UUID
        var slug: String
        var title: String
    }

    // MARK: reading

    /// The author's counts per day from `first` to `last`, days without any left out.
    func authorDays(_ authorID: UUID, from first: Day, to last: Day, logger: Logger) async throws -> [Day: DayCounts] {
        try await days(
            database.query(
                """
                SELECT day::text, reads, unique_readers, favorites, comments, followers FROM author_days
                WHERE author_id = \(authorID) AND day BETWEEN \(first.string)::date AND \(last.string)::date
                """, logger: logger))
    }

    func articleDays(_ articleID: UUID, from first: Day, to last: Day, logger: Logger) async throws -> [Day: DayCounts] {
        try await days(
            database.query(
                """
                SELECT day::text, reads, unique_readers, favorites, comments, 0 FROM article_days
                WHERE article_id = \(articleID) AND day BETWEEN \(first.string)::date AND \(last.string)::date
                """, logger: logger))
    }

    private func days(_ rows: PostgresRowSequence) async throws -> [Day: DayCounts] {
        var days: [Day: DayCounts] = [:]
        for try await (day, reads, unique, favorites, comments, followers) in rows.decode((String, Int, Int, Int, Int, Int).self) {
            guard let day = Day(day) else { continue }
            days[day] = DayCounts(reads: reads, uniqueReaders: unique, favorites: favorites, comments: comments, followers: followers)
        }
        return days
    }

    /// The author's articles (not deleted) most read from `first` to `last`, with their sums.
    func topArticles(_ authorID: UUID, from first: Day, to last: Day, limit: Int, logger: Logger) async throws -> [ArticleTotals] {
        let rows = try await database.query(
            """
            SELECT a.slug, a.title, sum(d.reads)::bigint, sum(d.unique_readers)::bigint, sum(d.favorites)::bigint, sum(d.comments)::bigint
            FROM article_days d JOIN articles a ON a.id = d.article_id
            WHERE a.author_id = \(authorID) AND NOT a.deleted AND d.day BETWEEN \(first.string)::date AND \(last.string)::date
            GROUP BY a.id, a.slug, a.title
            ORDER BY sum(d.reads) DESC, sum(d.favorites) DESC, a.slug
            LIMIT \(limit)
            """, logger: logger)
        var articles: [ArticleTotals] = []
        for try await (slug, title, reads, unique, favorites, comments) in rows.decode((String, String, Int, Int, Int, Int).self) {
            articles.append(
                ArticleTotals(
                    slug: slug, title: title, counts: DayCounts(reads: reads, uniqueReaders: unique, favorites: favorites, comments: comments)))
        }
        return articles
    }

    /// The article that has `slug` now.
    func article(slug: String, logger: Logger) async throws -> KnownArticle? {
        try await database.withConnection { connection in
            try await Self.article(slug: slug, on: connection, logger: logger)
        }
    }

    // MARK: the handlers' changes

    static func article(slug: String, on connection: PostgresConnection, logger: Logger) async throws -> KnownArticle? {
        let rows = try await connection.query(
            """
            SELECT a.id, a.author_id, a.slug, a.title FROM article_slugs s JOIN articles a ON a.id = s.article_id
            WHERE s.slug = \(slug) AND NOT a.deleted
            """, logger: logger)
        for try await (id, authorID, slug, title) in rows.decode((UUID, UUID, String, String).self) {
            return KnownArticle(id: id, authorID: authorID, slug: slug, title: title)
        }
        return nil
    }

    /// The author of the article a comment is on: as its comment.created said (the same topic and
    /// key, so always applied first), or else as the article's own events did.
    static func authorOf(comment: Int64, article: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query(
            """
            SELECT author_id FROM comment_articles WHERE comment_id = \(comment)
            UNION ALL SELECT author_id FROM articles WHERE id = \(article)
            LIMIT 1
            """, logger: logger)
        for try await authorID in rows.decode(UUID.self) { return authorID }
        return nil
    }

    static func remember(comment: Int64, article: UUID, author: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO comment_articles (comment_id, article_id, author_id) VALUES (\(comment), \(article), \(author))
            ON CONFLICT (comment_id) DO NOTHING
            """, logger: logger)
    }

    /// Records what an article event says about its article: its slug, author and title.
    static func remember(_ article: ArticleReference, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO articles (id, slug, author_id, title) VALUES (\(article.articleID), \(article.slug), \(article.authorID), \(article.title))
            ON CONFLICT (id) DO UPDATE SET slug = EXCLUDED.slug, author_id = EXCLUDED.author_id, title = EXCLUDED.title
            """, logger: logger)
        try await connection.query(
            """
            INSERT INTO article_slugs (slug, article_id) VALUES (\(article.slug), \(article.articleID))
            ON CONFLICT (slug) DO UPDATE SET article_id = EXCLUDED.article_id
            """, logger: logger)
    }

    static func forget(article id: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE articles SET deleted = true WHERE id = \(id)", logger: logger)
        try await connection.query("DELETE FROM article_slugs WHERE article_id = \(id)", logger: logger)
    }

    /// Adds favorites and comments to an article's day, and to its author's.
    static func add(
        favorites: Int = 0, comments: Int = 0, article articleID: UUID, author authorID: UUID?, on day: Day, connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO article_days (article_id, day, favorites, comments) VALUES (\(articleID), \(day.string)::date, \(favorites), \(comments))
            ON CONFLICT (article_id, day) DO UPDATE
            SET favorites = article_days.favorites + EXCLUDED.favorites, comments = article_days.comments + EXCLUDED.comments
            """, logger: logger)
        if let authorID {
            try await add(favorites: favorites, comments: comments, author: authorID, on: day, connection: connection, logger: logger)
        }
    }

    static func add(
        favorites: Int = 0, comments: Int = 0, followers: Int = 0, author authorID: UUID, on day: Day, connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO author_days (author_id, day, favorites, comments, followers)
            VALUES (\(authorID), \(day.string)::date, \(favorites), \(comments), \(followers))
            ON CONFLICT (author_id, day) DO UPDATE
            SET favorites = author_days.favorites + EXCLUDED.favorites, comments = author_days.comments + EXCLUDED.comments,
                followers = author_days.followers + EXCLUDED.followers
            """, logger: logger)
    }

    private enum ReadsTable: String {
        case articleDays = "article_days"
        case authorDays = "author_days"

        var keyColumn: String { self == .articleDays ? "article_id" : "author_id" }
    }

    /// Adds a batch of reads to an article's day and its author's: the count, and the readers'
    /// sketch merged into the day's (under the row's lock: replicas apply batches of one author's
    /// articles at the same time).
    static func add(
        reads: Int, readers: ReaderSketch, to article: KnownArticle, on day: Day, connection: PostgresConnection, logger: Logger
    ) async throws {
        let targets: [(ReadsTable, UUID)] = [(.articleDays, article.id), (.authorDays, article.authorID)]
        for (table, key) in targets {
            let keyColumn = table.keyColumn
            try await connection.query(
                """
                INSERT INTO \(unescaped: table.rawValue) (\(unescaped: keyColumn), day) VALUES (\(key), \(day.string)::date)
                ON CONFLICT DO NOTHING
                """, logger: logger)
            var merged = readers
            let rows = try await connection.query(
                """
                SELECT readers FROM \(unescaped: table.rawValue) WHERE \(unescaped: keyColumn) = \(key) AND day = \(day.string)::date FOR UPDATE
                """, logger: logger)
            for try await stored in rows.decode(ByteBuffer?.self) {
                if let stored { merged.merge(ReaderSketch(stored: Array(stored.readableBytesView))) }
            }
            try await connection.query(
                """
                UPDATE \(unescaped: table.rawValue)
                SET reads = reads + \(reads), readers = \(ByteBuffer(bytes: merged.stored)), unique_readers = \(merged.estimate)
                WHERE \(unescaped: keyColumn) = \(key) AND day = \(day.string)::date
                """, logger: logger)
        }
    }

    /// Keeps a batch of reads whose slug no article has yet.
    static func keepUnmatched(reads: Int, readers: ReaderSketch, slug: String, on day: Day, connection: PostgresConnection, logger: Logger)
        async throws
    {
        var merged = readers
        var count = reads
        let rows = try await connection.query(
            "DELETE FROM unmatched_reads WHERE slug = \(slug) AND day = \(day.string)::date RETURNING reads, readers", logger: logger)
        for try await (earlier, stored) in rows.decode((Int, ByteBuffer).self) {
            count += earlier
            merged.merge(ReaderSketch(stored: Array(stored.readableBytesView)))
        }
        try await connection.query(
            """
            INSERT INTO unmatched_reads (slug, day, reads, readers) VALUES (\(slug), \(day.string)::date, \(count), \(ByteBuffer(bytes: merged.stored)))
            """, logger: logger)
    }

    /// Moves the reads kept for `article`'s slug to the article; returns how many there were.
    @discardableResult
    static func claimUnmatched(for article: KnownArticle, connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            "DELETE FROM unmatched_reads WHERE slug = \(article.slug) RETURNING day::text, reads, readers", logger: logger)
        var batches: [(Day, Int, ReaderSketch)] = []
        for try await (day, reads, readers) in rows.decode((String, Int, ByteBuffer).self) {
            guard let day = Day(day) else { continue }
            batches.append((day, reads, ReaderSketch(stored: Array(readers.readableBytesView))))
        }
        for (day, reads, readers) in batches {
            try await add(reads: reads, readers: readers, to: article, on: day, connection: connection, logger: logger)
        }
        return batches.reduce(0) { $0 + $1.1 }
    }

    /// Reads of slugs that no article took within a day are dropped (a mistyped address, most likely).
    static let unmatchedReadsSweep = RetentionSweep.Target(name: "unmatched reads") { _ in
        """
        DELETE FROM unmatched_reads WHERE (slug, day) IN (
            SELECT slug, day FROM unmatched_reads WHERE received_at < now() - interval '1 day' LIMIT \(RetentionSweep.Target.batchSize))
        RETURNING 1
        """
    }
}
