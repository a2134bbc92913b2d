import Foundation
import Logging
import PostgresNIO
import Shared

/// Turns events into notification rows (and keeps the recipients' projection). Each runs in the
/// consumer's transaction; a notification's (kind, dedupe key) is unique, so a redelivered
/// event, a favorite toggled again or a follow repeated after an unfollow, adds nothing.
enum NotificationHandlers {
    static var all: [EventHandler] {
        [
            EventHandler(UserRegistered.self) { event, incoming, connection, logger in
                try await upsertRecipient(event.user, at: incoming.occurredAt, on: connection, logger: logger)
                try await record(.welcome, event: incoming.id, key: incoming.id.uuidString, recipient: event.user.userID, on: connection, logger: logger)
            },
            EventHandler(UserUpdated.self) { event, incoming, connection, logger in
                try await upsertRecipient(event.user, at: incoming.occurredAt, on: connection, logger: logger)
            },
            EventHandler(UserFollowed.self) { event, incoming, connection, logger in
                // Once per follower and followee, however often they unfollow and follow again.
                try await record(
                    .followed, event: incoming.id, key: "\(event.follow.followerID):\(event.follow.followeeID)", recipient: event.follow.followeeID,
                    actor: event.follow.followerID, on: connection, logger: logger
                )
            },
            EventHandler(CommentCreated.self) { event, incoming, connection, logger in
                guard event.authorID != event.articleAuthorID else { return }
                try await record(
                    .commented, event: incoming.id, key: incoming.id.uuidString, recipient: event.articleAuthorID, actor: event.authorID,
                    title: event.articleTitle, slug: event.articleSlug, on: connection, logger: logger
                )
            },
            EventHandler(ArticleFavorited.self) { event, incoming, connection, logger in
                guard event.userID != event.article.authorID else { return }
                try await record(
                    .favorited, event: incoming.id, key: "\(event.article.articleID):\(event.userID)", recipient: event.article.authorID,
                    actor: event.userID, title: event.article.title, slug: event.article.slug, on: connection, logger: logger
                )
            },
        ]
    }

    static func upsertRecipient(_ user: UserProfile, at time: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO recipients (id, username, email, synced_at, tokens_valid_after)
            VALUES (\(user.userID), \(user.username), \(user.email), \(time), \(user.tokensValidAfter))
            ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, email = EXCLUDED.email, synced_at = EXCLUDED.synced_at,
                tokens_valid_after = GREATEST(recipients.tokens_valid_after, EXCLUDED.tokens_valid_after)
            WHERE recipients.synced_at <= EXCLUDED.synced_at
            """,
            logger: logger
        )
    }

    static func record(
        _ kind: NotificationKind, event: UUID, key: String, recipient: UUID, actor: UUID? = nil, title: String? = nil, slug: String? = nil,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO notifications (event_id, kind, dedupe_key, recipient_id, actor_id, article_title, article_slug)
            VALUES (\(event), \(kind.rawValue), \(key), \(recipient), \(actor), \(title), \(slug))
            ON CONFLICT (kind, dedupe_key) DO NOTHING
            """,
            logger: logger
        )
    }
}
