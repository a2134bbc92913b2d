import Foundation
import Logging
import Persistence
import PostgresNIO

extension ArticleRepository {
    /// One article as `reader` sees it, from ``cache`` when it holds the article and the reader's
    /// relations, else from the database (and then held for the next read).
    func view(slug: String, reader: UUID?, logger: Logger) async throws -> ArticleRecord? {
        guard let generation = cache.readingGeneration() else {
            cache.countBypass()
            return try await find(slug: slug, viewer: reader, logger: logger)
        }
        var (article, relations) = cache.view(slug: slug, reader: reader)
        if article == nil {
            guard let read = try await find(slug: slug, viewer: nil, logger: logger) else { return nil }
            cache.store(read, readAt: generation)
            article = read
        }
        if let reader, relations == nil {
            guard let read = try await relationsOf(reader, atMost: cache.maxIDsPerReader, logger: logger) else {
                return try await find(slug: slug, viewer: reader, logger: logger)
            }
            cache.store(read, of: reader, readAt: generation)
            relations = read
        }
        return article?.seen(with: relations)
    }

    /// The articles `reader` favorited and the authors they follow; nil when either are more than `limit`.
    func relationsOf(_ reader: UUID, atMost limit: Int, logger: Logger) async throws -> ArticleViewCache.ReaderRelations? {
        for try await (favorited, following) in try await database.execute(ReaderRelationsQuery(reader: reader, limit: limit + 1), logger: logger) {
            guard favorited.count <= limit, following.count <= limit else { return nil }
            return ArticleViewCache.ReaderRelations(favorited: Set(favorited), following: Set(following))
        }
        return nil
    }

    /// Two index range reads: favorites and follows are keyed by the reader first.
    struct ReaderRelationsQuery: PostgresPreparedStatement {
        static let sql = """
            SELECT ARRAY(SELECT article_id FROM favorites WHERE user_id = $1 LIMIT $2) AS favorited,
                ARRAY(SELECT followee_id FROM follows WHERE follower_id = $1 LIMIT $2) AS following
            """
        static let bindingDataTypes: [PostgresDataType] = [.uuid, .int8]

        let reader: UUID
        let limit: Int

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(reader)
            bindings.append(limit)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ([UUID], [UUID]) {
            var cells = PostgresCells(row)
            return (try cells.next(column: "favorited"), try cells.next(column: "following"))
        }
    }
}
