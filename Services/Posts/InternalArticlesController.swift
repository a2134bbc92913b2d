import Hummingbird
import Shared

/// `GET /internal/articles/{slug}` → `{id, slug, authorId, title}` or 404: for other services
/// (comments checks that an article exists). The gateway does not expose `/internal`.
struct InternalArticlesController: Sendable {
    let repository: ArticleRepository

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("articles/:slug") { _, context -> InternalArticle in
            let slug = try context.parameters.require("slug")
            guard let article = try await repository.reference(slug: slug, logger: context.logger) else { throw ArticlesController.notFound }
            return InternalArticle(id: article.articleID, slug: article.slug, authorId: article.authorID, title: article.title)
        }
        return routes
    }
}
