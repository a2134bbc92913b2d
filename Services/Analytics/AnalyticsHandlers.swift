import Events
import Logging
import Messaging
import PostgresNIO

/// What analytics does with each event, in the consumer's transaction (so each counts once,
/// however often it is delivered). Every count lands on the day (UTC) the event happened, and is
/// net: an unfavorite, a deleted comment or an unfollow subtracts one on its own day.
enum AnalyticsHandlers {
    static var all: [EventHandler] {
        // The users' projection keeps token revocations; follows are counted here instead.
        UserProjection.handlers.filter { $0.type == UserRegistered.type || $0.type == UserUpdated.type } + articles + counts
    }

    static var articles: [EventHandler] {
        [
            EventHandler(ArticleCreated.self) { event, _, connection, logger in
                try await learn(event.article, connection: connection, logger: logger)
            },
            EventHandler(ArticleUpdated.self) { event, _, connection, logger in
                try await learn(event.article, connection: connection, logger: logger)
            },
            EventHandler(ArticleDeleted.self) { event, _, connection, logger in
                try await StatsRepository.forget(article: event.article.articleID, on: connection, logger: logger)
            },
        ]
    }

    static var counts: [EventHandler] {
        [
            EventHandler(ArticleFavorited.self) { event, incoming, connection, logger in
                try await learn(event.article, connection: connection, logger: logger)
                try await StatsRepository.add(
                    favorites: 1, article: event.article.articleID, author: event.article.authorID, on: Day(incoming.occurredAt),
                    connection: connection, logger: logger)
            },
            EventHandler(ArticleUnfavorited.self) { event, incoming, connection, logger in
                try await learn(event.article, connection: connection, logger: logger)
                try await StatsRepository.add(
                    favorites: -1, article: event.article.articleID, author: event.article.authorID, on: Day(incoming.occurredAt),
                    connection: connection, logger: logger)
            },
            EventHandler(CommentCreated.self) { event, incoming, connection, logger in
                try await StatsRepository.remember(
                    comment: event.commentID, article: event.articleID, author: event.articleAuthorID, on: connection, logger: logger)
                try await StatsRepository.add(
                    comments: 1, article: event.articleID, author: event.articleAuthorID, on: Day(incoming.occurredAt), connection: connection,
                    logger: logger)
            },
            EventHandler(CommentDeleted.self) { event, incoming, connection, logger in
                let author = try await StatsRepository.authorOf(comment: event.commentID, article: event.articleID, on: connection, logger: logger)
                try await StatsRepository.add(
                    comments: -1, article: event.articleID, author: author, on: Day(incoming.occurredAt), connection: connection, logger: logger)
            },
            EventHandler(UserFollowed.self) { event, incoming, connection, logger in
                try await StatsRepository.add(
                    followers: 1, author: event.follow.followeeID, on: Day(incoming.occurredAt), connection: connection, logger: logger)
            },
            EventHandler(UserUnfollowed.self) { event, incoming, connection, logger in
                try await StatsRepository.add(
                    followers: -1, author: event.follow.followeeID, on: Day(incoming.occurredAt), connection: connection, logger: logger)
            },
            EventHandler(ArticleRead.self) { event, _, connection, logger in
                guard let day = Day(event.day), event.reads > 0 else {
                    logger.warning("ignored a batch of reads that makes no sense", metadata: ["day": "\(event.day)", "reads": "\(event.reads)"])
                    return
                }
                let readers = ReaderSketch(packed: event.readers)
                if let article = try await StatsRepository.article(slug: event.slug, on: connection, logger: logger) {
                    try await StatsRepository.add(reads: event.reads, readers: readers, to: article, on: day, connection: connection, logger: logger)
                } else {
                    try await StatsRepository.keepUnmatched(
                        reads: event.reads, readers: readers, slug: event.slug, on: day, connection: connection, logger: logger)
                }
            },
        ]
    }

    /// Records what an article event says about its article (its slug, author and title); reads
    /// of its slug that arrived before any event of the article (another topic) join it now.
    private static func learn(_ reference: ArticleReference, connection: PostgresConnection, logger: Logger) async throws {
        try await StatsRepository.remember(reference, on: connection, logger: logger)
        let article = StatsRepository.KnownArticle(
            id: reference.articleID, authorID: reference.authorID, slug: reference.slug, title: reference.title)
        let claimed = try await StatsRepository.claimUnmatched(for: article, connection: connection, logger: logger)
        if claimed > 0 { logger.info("reads that came before their article joined it", metadata: ["reads": "\(claimed)"]) }
    }
}
