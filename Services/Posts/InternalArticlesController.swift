import Events
import HTTPKit
import Hummingbird

/// `GET /internal/articles/{slug}` → the article's ``ArticleReference`` (`{articleID, slug, authorID,
/// title}`, as the article events carry it) or 404: for other services (comments checks that an
/// article exists). The gateway does not expose `/internal`.
struct InternalArticlesController: Sendable {
    let repository: ArticleRepository

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("articles/:slug") { request, context -> Response in
            let slug = try context.parameters.require("slug")
            guard let article = try await repository.reference(slug: slug, logger: context.logger) else { throw ArticlesController.notFound }
            return try context.responseEncoder.encode(article, from: request, context: context)
        }
        return routes
    }
}
