import ConduitContract
import HTTPKit
import Hummingbird

/// `GET /api/tags`: the most used tags (at most ``limit``), most used first.
struct TagsController: Sendable {
    static let limit = 100
    let repository: ArticleRepository

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.group("tags").add(middleware: HTTPCachingMiddleware()).get { _, context in
            TagsResponse(tags: try await repository.popularTags(limit: Self.limit, logger: context.logger))
        }
        return routes
    }
}
