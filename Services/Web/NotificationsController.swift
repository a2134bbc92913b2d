import Foundation
import HTTPKit
import Hummingbird

/// `/notifications`: what happened to the signed-in user's account and articles, newest first.
struct NotificationsController: Sendable {
    let site: Site

    struct NotificationsView: Sendable {
        let items: [Item]
        let hasItems: Bool
        let pagination: Pagination?
    }

    struct Item: Sendable {
        let message: String
        let date: DateView
        let hasArticle: Bool
        let articlePath: String
        let articleTitle: String
        let hasActor: Bool
        let actorPath: String
        let actorName: String
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/notifications", use: list)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        guard visit.session.isSignedIn else { throw WebError.signInRequired }
        let page = try PageNumber.parse(request.uri.queryParameters["page"].map(String.init))
        let perPage = Site.notificationsPerPage
        let list = try await site.api.notifications(limit: perPage, offset: (page - 1) * perPage, visit.caller)
        let view = NotificationsView(
            items: list.notifications.map { notification in
                Item(
                    message: notification.message, date: DateView(notification.createdAt),
                    hasArticle: notification.article != nil, articlePath: notification.article.map { Paths.article($0.slug) } ?? "",
                    articleTitle: notification.article?.title ?? "",
                    hasActor: notification.actor != nil, actorPath: notification.actor.map(Paths.profile) ?? "", actorName: notification.actor ?? ""
                )
            },
            hasItems: !list.notifications.isEmpty,
            pagination: Pagination(current: page, total: list.notificationsCount, perPage: perPage) {
                $0 > 1 ? "/notifications?page=\($0)" : "/notifications"
            }
        )
        return site.page(
            "notifications", title: page > 1 ? "Notifications, page \(page)" : "Notifications", content: view, visit, current: .notifications)
    }
}
