import Basics
import Events
import Foundation
import HTTPKit
import Logging
import Messaging
import Persistence
import PostgresNIO

/// Writing, changing and deleting articles, with the tag and total counters and the slugs.
extension ArticleRepository {
    struct NewArticle: Sendable {
        var title: String
        var description: String
        var body: String
        var tags: [String]
    }

    func create(_ article: NewArticle, by author: AuthenticatedUser, logger: Logger) async throws -> ArticleRecord {
        try await withFreeSlug(for: article.title, keeping: nil, logger: logger) { slug, connection in
            try await UserProjection.ensureUser(id: author.id, username: author.username, on: connection, logger: logger)
            let id = UUID.random()
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
                "SELECT \(unescaped: ArticleColumns.referenceList), tag_list FROM articles WHERE slug = \(slug) FOR UPDATE",
                logger: logger
            )
            var found: (ArticleReference, [String])?
            for try await row in rows {
                var cells = PostgresCells(row)
                found = (try ArticleColumns.decodeReference(&cells), try cells.next(column: "tag_list"))
            }
            guard let (article, tags) = found else { return .notFound }
            guard article.authorID == user else { return .notAuthor }
            // Deleted before its counters change, as it is written before them: the feeds' counters (migration
            // `feed_totals`) are locked by the statement itself, so a writer and a deleter lock in one order.
            try await connection.query("DELETE FROM articles WHERE id = \(article.articleID)", logger: logger)
            try await adjustCounts(tags: tags, by: -1, on: connection, logger: logger)
            try await Outbox.append(ArticleDeleted(article: article), on: connection, logger: logger)
            return .done(article)
        }
    }

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
