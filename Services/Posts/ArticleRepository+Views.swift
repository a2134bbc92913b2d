import Foundation
import Logging
import Persistence
import PostgresNIO

extension ArticleRepository {
    /// One article as `reader` sees it, from ``cache`` when it holds it, else from the database
    /// (and then held for the next read).
    ///
    /// A signed-in reader's flags, and whether the held view is still the article's, come from
    /// one small indexed query per read: a change announced by another replica reaches this one a
    /// moment after it committed, and the user who made it may ask this replica sooner (their own
    /// follow, say, pushed by auth to another replica); the query sees every change committed before
    /// the request. Anonymous readers, who wrote nothing, are answered from memory alone.
    func view(slug: String, reader: UUID?, logger: Logger) async throws -> ArticleRecord? {
        guard let generation = cache.readingGeneration() else {
            cache.count(.bypass)
            return try await find(slug: slug, viewer: reader, logger: logger)
        }
        if let held = cache.entry(slug: slug) {
            guard let reader else {
                cache.count(.hit)
                return held.article
            }
            guard let current = try await relation(of: reader, to: slug, logger: logger) else { return nil }
            if current.versions == held.versions {
                cache.count(.hit)
                var article = held.article
                article.favorited = current.favorited
                article.author.following = current.following
                return article
            }
        }
        cache.count(.miss)
        guard let read = try await versionedArticle(slug: slug, viewer: reader, logger: logger) else { return nil }
        cache.store(read, readAt: generation)
        return read.article
    }

    func versionedArticle(slug: String, viewer: UUID?, logger: Logger) async throws -> ArticleViewCache.Entry? {
        for try await entry in try await database.execute(VersionedArticleBySlug(slug: slug, viewer: viewer), logger: logger) { return entry }
        return nil
    }

    struct ReaderRelation: Sendable {
        var versions: ArticleVersions
        var following: Bool
        var favorited: Bool
    }

    func relation(of reader: UUID, to slug: String, logger: Logger) async throws -> ReaderRelation? {
        for try await relation in try await database.execute(ReaderRelationBySlug(slug: slug, reader: reader), logger: logger) {
            return relation
        }
        return nil
    }

    static let versionColumns = "a.xmin::text::bigint AS article_version, u.xmin::text::bigint AS author_version"

    static func decodeVersions(_ cells: inout PostgresCells) throws -> ArticleVersions {
        ArticleVersions(article: try cells.next(column: "article_version"), author: try cells.next(column: "author_version"))
    }

    /// One article as `ArticleBySlug` reads it, and the versions of its rows.
    struct VersionedArticleBySlug: PostgresPreparedStatement {
        static let sql = """
            SELECT \(ArticleColumns.listWithBody), \(versionColumns)
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

        func decodeRow(_ row: PostgresRow) throws -> ArticleViewCache.Entry {
            var cells = PostgresCells(row)
            let article = try ArticleColumns.decode(&cells, withBody: true)
            return ArticleViewCache.Entry(article: article, versions: try decodeVersions(&cells))
        }
    }

    /// The reader's flags and the versions of the article's rows: index lookups, no text.
    struct ReaderRelationBySlug: PostgresPreparedStatement {
        static let sql = """
            SELECT \(versionColumns), \(ArticleColumns.readerFlags)
            FROM articles a JOIN users u ON u.id = a.author_id
            WHERE a.slug = $2
            """
        static let bindingDataTypes: [PostgresDataType] = [.uuid, .text]

        let slug: String
        let reader: UUID

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(reader)
            bindings.append(slug)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ReaderRelation {
            var cells = PostgresCells(row)
            return ReaderRelation(
                versions: try decodeVersions(&cells), following: try cells.next(column: "following"), favorited: try cells.next(column: "favorited"))
        }
    }
}
