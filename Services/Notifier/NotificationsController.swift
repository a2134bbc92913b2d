import Foundation
import Hummingbird
import Logging
import PostgresNIO
import Shared

/// `GET /api/notifications`: the signed-in user's own notifications, newest first, with `limit`,
/// `offset` and the total — the in-app feed Conduit lacks.
struct NotificationsController: Sendable {
    struct Item: Codable, Sendable, Equatable {
        struct Article: Codable, Sendable, Equatable {
            var slug: String
            var title: String
        }
        var id: Int64
        var kind: String
        var message: String
        var actor: String?
        var article: Article?
        var createdAt: String
        /// Where its email stands: pending, sent or failed.
        var email: String
    }

    struct ListResponse: ResponseCodable {
        var notifications: [Item]
        var notificationsCount: Int
    }

    let database: PostgresClient
    let verifier: TokenVerifier

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.group("notifications").add(middleware: verifier.required).get(use: list)
        return routes
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> ListResponse {
        let user = try context.requireIdentity()
        let page = try Page(request)
        let rows = try await database.query(
            """
            SELECT n.id, n.kind, n.article_title, n.article_slug, n.created_at, n.status, a.username, r.username
            FROM notifications n
            LEFT JOIN recipients a ON a.id = n.actor_id
            LEFT JOIN recipients r ON r.id = n.recipient_id
            WHERE n.recipient_id = \(user.id)
            ORDER BY n.created_at DESC, n.id DESC
            LIMIT \(page.limit) OFFSET \(page.offset)
            """,
            logger: context.logger
        )
        var items: [Item] = []
        for try await (id, kind, title, slug, created, status, actor, recipient) in rows.decode((Int64, String, String?, String?, Date, String, String?, String?).self) {
            let text = NotificationKind(rawValue: kind)?.text(recipient: recipient ?? user.username, actor: actor, title: title)
            items.append(Item(
                id: id, kind: kind, message: text?.subject ?? kind, actor: actor,
                article: slug.map { Item.Article(slug: $0, title: title ?? "") },
                createdAt: Timestamp.string(from: created), email: status
            ))
        }
        let count = try await database.query("SELECT count(*)::int FROM notifications WHERE recipient_id = \(user.id)", logger: context.logger)
        var total = 0
        for try await value in count.decode(Int.self) { total = value }
        return ListResponse(notifications: items, notificationsCount: total)
    }
}
