import Events
import Messaging

/// What comments does with others' events, besides keeping its projection of users; each runs in
/// the consumer's transaction.
enum CommentHandlers {
    static var all: [EventHandler] { ArticleProjection.handlers + [articleDeleted] }

    /// `article.deleted`: the article's comments go, and no comment can be added to it afterwards.
    static var articleDeleted: EventHandler {
        EventHandler(ArticleDeleted.self) { event, _, connection, logger in
            try await ArticleProjection.forget(event.article.articleID, on: connection, logger: logger)
            let removed = try await CommentRepository.forgetDeletedArticle(event.article.articleID, on: connection, logger: logger)
            logger.info(
                "removed the comments of a deleted article", metadata: ["article_id": "\(event.article.articleID)", "comments": "\(removed)"])
        }
    }
}
