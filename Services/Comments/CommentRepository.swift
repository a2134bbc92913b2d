import ConduitContract
import Events
import Foundation
import HTTPKit
import Logging
import Messaging
import Persistence
import PostgresNIO

/// The SQL of comments. Creating and deleting write their events into the outbox in the same
/// transaction; ``CommentHandlers`` remove a deleted article's comments with it.
struct CommentRepository: Sendable {
    let database: PostgresClient
    let cache: CommentViewCache

    /// The article's comments, newest first, with authors as `viewer` sees them; nil when the
    /// article's deletion has arrived (posts may still be remembered as saying it exists). From
    /// ``cache`` when it holds them, and whom the viewer follows likewise.
    func comments(of articleID: UUID, viewer: UUID?, logger: Logger) async throws -> [CommentRecord]? {
        guard let generation = cache.readingGeneration() else { return try await readComments(of: articleID, viewer: viewer, logger: logger) }
        let thread: CommentViewCache.Thread
        if let held = cache.thread(of: articleID) {
            thread = held
        } else {
            thread = CommentViewCache.Thread(comments: try await readComments(of: articleID, viewer: nil, logger: logger))
            cache.store(thread, of: articleID, readAt: generation)
        }
        guard let comments = thread.comments, let viewer else { return thread.comments }
        let following = try await following(of: viewer, readAt: generation, logger: logger)
        return comments.map { comment in
            var comment = comment
            comment.author.following = following.contains(comment.authorID)
            return comment
        }
    }

    private func following(of reader: UUID, readAt generation: Int, logger: Logger) async throws -> Set<UUID> {
        if let held = cache.following(of: reader) { return held }
        let rows = try await database.query("SELECT followee_id FROM follows WHERE follower_id = \(reader)", logger: logger)
        let following = try await rows.decode(UUID.self).reduce(into: Set<UUID>()) { $0.insert($1) }
        cache.store(following: following, of: reader, readAt: generation)
        return following
    }

    func readComments(of articleID: UUID, viewer: UUID?, logger: Logger) async throws -> [CommentRecord]? {
        for try await _ in try await database.execute(DeletedArticle(articleID: articleID), logger: logger) { return nil }
        return try await database.execute(CommentsOfArticle(articleID: articleID, viewer: viewer), logger: logger).reduce(into: []) { $0.append($1) }
    }

    /// The reads of every comments page, prepared once per connection: parsed and planned once.
    struct DeletedArticle: PostgresPreparedStatement {
        static let sql = "SELECT 1 FROM deleted_articles WHERE article_id = $1"
        static let bindingDataTypes: [PostgresDataType] = [.uuid]
        let articleID: UUID

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(articleID)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws {}
    }

    struct CommentsOfArticle: PostgresPreparedStatement {
        static let sql = """
            SELECT c.id, c.article_id, c.author_id, c.body, c.created_at, c.updated_at, u.username, u.bio, u.image,
                EXISTS (SELECT 1 FROM follows fw WHERE fw.follower_id = $2 AND fw.followee_id = c.author_id)
            FROM comments c JOIN users u ON u.id = c.author_id
            WHERE c.article_id = $1
            ORDER BY c.created_at DESC, c.id DESC
            """
        static let bindingDataTypes: [PostgresDataType] = [.uuid, .uuid]
        let articleID: UUID
        let viewer: UUID?

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(articleID)
            bindings.append(viewer)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> CommentRecord {
            var cells = PostgresCells(row)
            return CommentRecord(
                id: try cells.next(), articleID: try cells.next(), authorID: try cells.next(), body: try cells.next(),
                createdAt: try cells.next(), updatedAt: try cells.next(),
                author: Profile(username: try cells.next(), bio: try cells.next(), image: try cells.next(), following: try cells.next())
            )
        }
    }

    /// Nil when the article has been deleted meanwhile.
    func create(body: String, on article: ArticleReference, by author: AuthenticatedUser, logger: Logger) async throws
        -> CommentRecord?
    {
        try await database.withTransaction(logger: logger) { connection -> CommentRecord? in
            let deleted = try await connection.query("SELECT 1 FROM deleted_articles WHERE article_id = \(article.articleID)", logger: logger)
            guard try await deleted.collect().isEmpty else { return nil }
            try await UserProjection.ensureUser(id: author.id, username: author.username, on: connection, logger: logger)
            let now = Date()
            let rows = try await connection.query(
                """
                INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
                VALUES (\(article.articleID), \(author.id), \(body), \(now), \(now)) RETURNING id
                """,
                logger: logger
            )
            var id: Int64 = 0
            for try await inserted in rows.decode(Int64.self) { id = inserted }
            try await Outbox.append(
                CommentCreated(commentID: id, on: article, authorID: author.id, body: body), on: connection, logger: logger
            )
            let profile = try await connection.query("SELECT username, bio, image FROM users WHERE id = \(author.id)", logger: logger)
            for try await (username, bio, image) in profile.decode((String, String, String).self) {
                return CommentRecord(
                    id: id, articleID: article.articleID, authorID: author.id, body: body, createdAt: now, updatedAt: now,
                    author: Profile(username: username, bio: bio, image: image, following: false)
                )
            }
            return nil
        }
    }

    enum DeleteOutcome {
        case deleted
        case notFound
        case notAuthor
    }

    func delete(id: Int64, of articleID: UUID, by user: UUID, logger: Logger) async throws -> DeleteOutcome {
        try await database.withTransaction(logger: logger) { connection -> DeleteOutcome in
            let rows = try await connection.query(
                "SELECT author_id FROM comments WHERE id = \(id) AND article_id = \(articleID) FOR UPDATE",
                logger: logger
            )
            var author: UUID?
            for try await found in rows.decode(UUID.self) { author = found }
            guard let author else { return .notFound }
            guard author == user else { return .notAuthor }
            try await connection.query("DELETE FROM comments WHERE id = \(id)", logger: logger)
            try await Outbox.append(
                CommentDeleted(commentID: id, articleID: articleID, authorID: author), on: connection, logger: logger)
            return .deleted
        }
    }

    /// Removes a deleted article's comments and remembers the article, so that no comment can be
    /// added to it afterwards; returns how many comments went. Doing it twice changes nothing.
    static func forgetDeletedArticle(_ articleID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await connection.query("INSERT INTO deleted_articles (article_id) VALUES (\(articleID)) ON CONFLICT DO NOTHING", logger: logger)
        return try await connection.query("DELETE FROM comments WHERE article_id = \(articleID) RETURNING id", logger: logger).collect().count
    }
}
