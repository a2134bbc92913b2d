import Events
import Messaging

/// Turns events into notification rows (and keeps the recipients' projection). Each runs in the
/// consumer's transaction; a notification's (kind, dedupe key) is unique, so a redelivered
/// event, a favorite toggled again or a follow repeated after an unfollow, adds nothing.
enum NotificationHandlers {
    static var all: [EventHandler] {
        [
            EventHandler(UserRegistered.self) { event, incoming, connection, logger in
                try await NotificationRepository.upsertRecipient(event.user, at: incoming.occurredAt, on: connection, logger: logger)
                try await NotificationRepository.record(
                    .welcome, event: incoming.id, key: incoming.id.uuidString, recipient: event.user.userID, on: connection, logger: logger)
            },
            EventHandler(UserUpdated.self) { event, incoming, connection, logger in
                try await NotificationRepository.upsertRecipient(event.user, at: incoming.occurredAt, on: connection, logger: logger)
            },
            EventHandler(UserFollowed.self) { event, incoming, connection, logger in
                // Once per follower and followee, however often they unfollow and follow again.
                try await NotificationRepository.record(
                    .followed, event: incoming.id, key: "\(event.follow.followerID):\(event.follow.followeeID)", recipient: event.follow.followeeID,
                    actor: event.follow.followerID, on: connection, logger: logger
                )
            },
            EventHandler(CommentCreated.self) { event, incoming, connection, logger in
                guard event.authorID != event.articleAuthorID else { return }
                try await NotificationRepository.record(
                    .commented, event: incoming.id, key: incoming.id.uuidString, recipient: event.articleAuthorID, actor: event.authorID,
                    title: event.articleTitle, slug: event.articleSlug, on: connection, logger: logger
                )
            },
            EventHandler(ArticleFavorited.self) { event, incoming, connection, logger in
                guard event.userID != event.article.authorID else { return }
                try await NotificationRepository.record(
                    .favorited, event: incoming.id, key: "\(event.article.articleID):\(event.userID)", recipient: event.article.authorID,
                    actor: event.userID, title: event.article.title, slug: event.article.slug, on: connection, logger: logger
                )
            },
        ]
    }
}
