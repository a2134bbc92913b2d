import Authentication
import Events
import Foundation
import HTTPKit
import Hummingbird

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

    let repository: NotificationRepository
    let verifier: TokenVerifier

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.group("notifications").add(middleware: verifier.required).get(use: list)
        return routes
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> ListResponse {
        let user = try context.requireIdentity()
        let page = try Page(request)
        let (notifications, count) = try await repository.list(for: user.id, limit: page.limit, offset: page.offset, logger: context.logger)
        let items = notifications.map { notification in
            let text = NotificationKind(rawValue: notification.kind)?.text(
                recipient: notification.recipientName ?? user.username, actor: notification.actorName, title: notification.title
            )
            return Item(
                id: notification.id, kind: notification.kind, message: text?.subject ?? notification.kind, actor: notification.actorName,
                article: notification.slug.map { Item.Article(slug: $0, title: notification.title ?? "") },
                createdAt: Timestamp.string(from: notification.createdAt), email: notification.status
            )
        }
        return ListResponse(notifications: items, notificationsCount: count)
    }
}
