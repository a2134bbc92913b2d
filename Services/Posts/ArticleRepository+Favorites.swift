import Events
import Foundation
import HTTPKit
import Logging
import Messaging
import Persistence
import PostgresNIO

extension ArticleRepository {
    /// Favorites or unfavorites; doing it twice changes nothing and writes no second event.
    /// Nil when no article has that slug.
    func setFavorite(_ favorite: Bool, slug: String, user: AuthenticatedUser, logger: Logger) async throws -> ArticleRecord? {
        try await database.withTransaction(logger: logger) { connection -> ArticleRecord? in
            try await UserProjection.ensureUser(id: user.id, username: user.username, on: connection, logger: logger)
            guard let article = try await reference(slug: slug, on: connection, logger: logger) else { return nil }
            let changed =
                if favorite {
                    try await connection.query(
                        "INSERT INTO favorites (user_id, article_id) VALUES (\(user.id), \(article.articleID)) ON CONFLICT DO NOTHING RETURNING 1",
                        logger: logger
                    ).collect().count == 1
                } else {
                    try await connection.query(
                        "DELETE FROM favorites WHERE user_id = \(user.id) AND article_id = \(article.articleID) RETURNING 1",
                        logger: logger
                    ).collect().count == 1
                }
            if changed {
                let delta = favorite ? 1 : -1
                try await connection.query(
                    "UPDATE articles SET favorites_count = favorites_count + \(delta) WHERE id = \(article.articleID)", logger: logger)
                if favorite {
                    try await Outbox.append(
                        ArticleFavorited(article: article, userID: user.id), on: connection, logger: logger)
                } else {
                    try await Outbox.append(
                        ArticleUnfavorited(article: article, userID: user.id), on: connection, logger: logger)
                }
            }
            return try await find(slug: slug, viewer: user.id, on: connection, logger: logger)
        }
    }
}
