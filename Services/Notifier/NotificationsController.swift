import Authentication
import ConduitContract
import Events
import Foundation
import HTTPKit
import Hummingbird

/// `GET /api/notifications`: the signed-in user's own notifications, newest first, with `limit`,
/// `offset` and the total — the in-app feed Conduit lacks.
struct NotificationsController: Sendable {
    let repository: NotificationRepository
    let verifier: TokenVerifier

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.group("notifications").add(middleware: verifier.required).get(use: list)
        return routes
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> MultipleNotificationsResponse {
        let user = try context.requireIdentity()
        let page = try Page(request)
        let (notifications, count) = try await repository.list(for: user.id, limit: page.limit, offset: page.offset, logger: context.logger)
        let items = notifications.map { notification in
            let text = NotificationKind(rawValue: notification.kind)?.text(
                recipient: notification.recipientName ?? user.username, actor: notification.actorName, title: notification.title
            )
            return NotificationView(
                id: notification.id, kind: notification.kind, message: text?.subject ?? notification.kind, actor: notification.actorName,
                article: notification.slug.map { NotificationView.Article(slug: $0, title: notification.title ?? "") },
                createdAt: Timestamp.string(from: notification.createdAt), email: notification.status
            )
        }
        return MultipleNotificationsResponse(notifications: items, notificationsCount: count)
    }
}

extension MultipleNotificationsResponse: ResponseEncodable {}
