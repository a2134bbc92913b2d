import Events
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO

/// Comments' own copy of the articles (`articles`: id, slug, author, title), so that most reads find
/// their article without asking posts. Every article event carries its article as it then was and
/// writes it here unless a later event wrote it already (`synced_at`); `article.deleted` removes it.
/// What posts answered about an article not yet here is kept too (``remember(_:database:logger:)``),
/// under any event's.
///
/// A slug names one article at a time: an event's article takes its slug from an article held under
/// it by an earlier event, but never from a later one (an old event of an article since renamed,
/// which then drops the article until its next event). A slug held by more than one row, or by
/// none, is asked of posts.
enum ArticleProjection {
    static let migration = Migration(
        name: "project_articles",
        statements: [
            """
            CREATE TABLE articles (
                id uuid PRIMARY KEY,
                slug text NOT NULL,
                author_id uuid NOT NULL,
                title text NOT NULL,
                synced_at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX articles_by_slug ON articles (slug)",
        ])

    /// Every article event but `article.deleted` (``CommentHandlers``) and `article.read` (another topic).
    static var handlers: [EventHandler] {
        [
            handler(ArticleCreated.self), handler(ArticleUpdated.self), handler(ArticleFavorited.self), handler(ArticleUnfavorited.self),
        ]
    }

    private static func handler<Event: ArticleEvent>(_ type: Event.Type) -> EventHandler {
        EventHandler(type) { event, incoming, connection, logger in
            try await store(event.article, at: incoming.occurredAt, on: connection, logger: logger)
        }
    }

    static func store(_ article: ArticleReference, at time: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            WITH displaced AS (
                DELETE FROM articles WHERE slug = \(article.slug) AND id <> \(article.articleID) AND synced_at < \(time)
            ), superseded AS (
                DELETE FROM articles WHERE id = \(article.articleID) AND synced_at <= \(time)
                    AND EXISTS (SELECT FROM articles WHERE slug = \(article.slug) AND id <> \(article.articleID) AND synced_at >= \(time))
            )
            INSERT INTO articles (id, slug, author_id, title, synced_at)
            SELECT \(article.articleID), \(article.slug), \(article.authorID), \(article.title), \(time)
            WHERE NOT EXISTS (SELECT FROM deleted_articles WHERE article_id = \(article.articleID))
                AND NOT EXISTS (SELECT FROM articles WHERE slug = \(article.slug) AND id <> \(article.articleID) AND synced_at >= \(time))
            ON CONFLICT (id) DO UPDATE SET slug = EXCLUDED.slug, author_id = EXCLUDED.author_id, title = EXCLUDED.title, synced_at = EXCLUDED.synced_at
            WHERE articles.synced_at <= EXCLUDED.synced_at
            """, logger: logger
        ).consume()
    }

    /// Keeps what posts answered about an article this copy does not hold yet; any event about it wins.
    static func remember(_ article: ArticleReference, database: PostgresClient, logger: Logger) async throws {
        try await database.query(
            """
            INSERT INTO articles (id, slug, author_id, title, synced_at)
            SELECT \(article.articleID), \(article.slug), \(article.authorID), \(article.title), '-infinity'
            WHERE NOT EXISTS (SELECT FROM deleted_articles WHERE article_id = \(article.articleID))
                AND NOT EXISTS (SELECT FROM articles WHERE slug = \(article.slug))
            ON CONFLICT (id) DO NOTHING
            """, logger: logger
        ).consume()
    }

    static func forget(_ articleID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM articles WHERE id = \(articleID)", logger: logger).consume()
    }

    /// The article held under `slug`, or nil when none is, or more than one (posts knows which).
    static func find(slug: String, database: PostgresClient, logger: Logger) async throws -> ArticleReference? {
        let found = try await database.execute(ArticleBySlug(slug: slug), logger: logger).reduce(into: []) { $0.append($1) }
        return found.count == 1 ? found[0] : nil
    }

    /// Prepared once per connection: most comments reads begin with it.
    struct ArticleBySlug: PostgresPreparedStatement {
        static let sql = "SELECT id, slug, author_id, title FROM articles WHERE slug = $1 LIMIT 2"
        static let bindingDataTypes: [PostgresDataType] = [.text]
        let slug: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(slug)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ArticleReference {
            let (id, slug, author, title) = try row.decode((UUID, String, UUID, String).self)
            return ArticleReference(articleID: id, slug: slug, authorID: author, title: title)
        }
    }
}
