import ConduitContract
import Events
import Foundation
import HTTPKit
import Logging
import Persistence
import PostgresNIO

/// The SQL of articles, tags and favorites, an extension per job: one article (here), the lists
/// (`+Lists`), the writes (`+Writes`), favorites (`+Favorites`) and tags (`+Tags`). Every change
/// writes its event into the outbox in the same transaction; `+Views` reads through the replica's
/// `cache`, which the changes' announcements keep current.
struct ArticleRepository: Sendable {
    /// How many of the newest articles a page of the feed looks among first: enough to hold a page
    /// of a reader who follows 1% of the articles' authors.
    static let feedWindowSize = 20_000

    let database: PostgresClient
    let searchWindow = RecentArticlesWindow(size: ArticleSearch.recentWindow)
    let feedWindow: RecentArticlesWindow
    let cache: ArticleViewCache

    init(
        database: PostgresClient, cache: ArticleViewCache,
        feedWindow: RecentArticlesWindow = RecentArticlesWindow(size: Self.feedWindowSize)
    ) {
        self.database = database
        self.cache = cache
        self.feedWindow = feedWindow
    }
}

extension ArticleRepository {
    /// One article, with its body, as `viewer` sees it.
    func find(slug: String, viewer: UUID?, logger: Logger) async throws -> ArticleRecord? {
        try await find(slug: slug, viewer: viewer, on: nil, logger: logger)
    }

    func find(slug: String, viewer: UUID?, on connection: PostgresConnection?, logger: Logger) async throws -> ArticleRecord? {
        for try await article in try await database.execute(ArticleBySlug(slug: slug, viewer: viewer), on: connection, logger: logger) {
            return article
        }
        return nil
    }

    /// The hottest read, prepared once per connection: PostgreSQL parses and plans it once.
    struct ArticleBySlug: PostgresPreparedStatement {
        static let sql = """
            SELECT \(ArticleColumns.listWithBody)
            FROM articles a JOIN users u ON u.id = a.author_id
            WHERE a.slug = $2
            """
        static let bindingDataTypes: [PostgresDataType] = [.uuid, .text]

        let slug: String
        let viewer: UUID?

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(viewer)
            bindings.append(slug)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ArticleRecord {
            try ArticleColumns.decode(row, withBody: true)
        }
    }

    /// The article as other services know it (posts' internal route, the article events).
    func reference(slug: String, logger: Logger) async throws -> ArticleReference? {
        try await reference(slug: slug, on: nil, logger: logger)
    }

    func reference(slug: String, on connection: PostgresConnection?, logger: Logger) async throws -> ArticleReference? {
        for try await reference in try await database.execute(ArticleReferenceBySlug(slug: slug), on: connection, logger: logger) {
            return reference
        }
        return nil
    }

    /// What comments asks of every article it has not seen in the last seconds.
    struct ArticleReferenceBySlug: PostgresPreparedStatement {
        static let sql = "SELECT \(ArticleColumns.referenceList) FROM articles WHERE slug = $1"
        static let bindingDataTypes: [PostgresDataType] = [.text]
        let slug: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(slug)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ArticleReference {
            var cells = PostgresCells(row)
            return try ArticleColumns.decodeReference(&cells)
        }
    }
}
