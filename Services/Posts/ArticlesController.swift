import Authentication
import Basics
import ConduitContract
import Foundation
import HTTPKit
import Hummingbird

/// `/api/articles…` but comments: lists, the feed, one article, writing and favoriting.
struct ArticlesController: Sendable {
    let repository: ArticleRepository
    let verifier: TokenVerifier

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.group("articles")
            .add(middleware: HTTPCachingMiddleware())
            .add(middleware: verifier.optional)
            .get(use: list)
            .get(":slug", use: show)
        routes.group("articles")
            .add(middleware: verifier.required)
            .get("feed", use: feed)
            .post(use: create)
            .put(":slug", use: update)
            .delete(":slug", use: delete)
            .post(":slug/favorite", use: favorite)
            .delete(":slug/favorite", use: unfavorite)
        return routes
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> MultipleArticlesResponse {
        let query = request.uri.queryParameters
        let filter = ArticleFilter(
            tag: query.get("tag")?.nonEmpty,
            author: query.get("author")?.nonEmpty,
            favoritedBy: query.get("favorited")?.nonEmpty,
            search: try query.get("search").map(ArticleValidation.search)
        )
        return try await page(filter, request: request, context: context)
    }

    @Sendable func feed(_ request: Request, context: AppRequestContext) async throws -> MultipleArticlesResponse {
        try await page(ArticleFilter(feedOf: try context.requireIdentity().id), request: request, context: context)
    }

    private func page(_ filter: ArticleFilter, request: Request, context: AppRequestContext) async throws -> MultipleArticlesResponse {
        let (articles, count) = try await repository.listView(filter, page: try Page(request), reader: context.identity?.id, logger: context.logger)
        return MultipleArticlesResponse(articles: articles.map(\.view), articlesCount: count)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> SingleArticleResponse {
        let slug = try context.parameters.require("slug")
        guard let article = try await repository.view(slug: slug, reader: context.identity?.id, logger: context.logger) else {
            throw Self.notFound
        }
        return SingleArticleResponse(article: article.view)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<SingleArticleResponse> {
        let author = try context.requireIdentity()
        let body = try await request.decode(as: NewArticleRequest.self, context: context).article
        var errors = FieldErrors()
        ArticleValidation.title(body.title, into: &errors)
        ArticleValidation.description(body.description, into: &errors)
        ArticleValidation.body(body.body, into: &errors)
        let tags = ArticleValidation.tags(body.tagList ?? [], into: &errors)
        try errors.throwIfAny()

        let article = try await repository.create(
            .init(title: body.title, description: body.description, body: body.body, tags: tags),
            by: author, logger: context.logger
        )
        context.logger.info("article created", metadata: ["slug": "\(article.slug)"])
        return EditedResponse(status: .created, response: SingleArticleResponse(article: article.view))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> SingleArticleResponse {
        let editor = try context.requireIdentity()
        let slug = try context.parameters.require("slug")
        let changes = try await request.decode(as: UpdateArticleRequest.self, context: context).article
        var errors = FieldErrors()
        if let title = changes.title { ArticleValidation.title(title, into: &errors) }
        if let description = changes.description { ArticleValidation.description(description, into: &errors) }
        if let body = changes.body { ArticleValidation.body(body, into: &errors) }
        try errors.throwIfAny()

        let outcome = try await repository.update(
            slug: slug, changes: .init(title: changes.title, description: changes.description, body: changes.body),
            editor: editor.id, logger: context.logger
        )
        switch outcome {
        case .done(let article): return SingleArticleResponse(article: article.view)
        case .notFound: throw Self.notFound
        case .notAuthor: throw ConduitError.forbidden("only the article's author may change it")
        }
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireIdentity()
        let slug = try context.parameters.require("slug")
        switch try await repository.delete(slug: slug, by: user.id, logger: context.logger) {
        case .done(let article):
            context.logger.info("article deleted", metadata: ["slug": "\(slug)", "article_id": "\(article.articleID)"])
            return Response(status: .noContent)
        case .notFound: throw Self.notFound
        case .notAuthor: throw ConduitError.forbidden("only the article's author may delete it")
        }
    }

    @Sendable func favorite(_ request: Request, context: AppRequestContext) async throws -> SingleArticleResponse {
        try await setFavorite(true, request: request, context: context)
    }

    @Sendable func unfavorite(_ request: Request, context: AppRequestContext) async throws -> SingleArticleResponse {
        try await setFavorite(false, request: request, context: context)
    }

    private func setFavorite(_ favorite: Bool, request: Request, context: AppRequestContext) async throws -> SingleArticleResponse {
        let user = try context.requireIdentity()
        let slug = try context.parameters.require("slug")
        guard
            let article = try await repository.setFavorite(favorite, slug: slug, user: user, logger: context.logger)
        else {
            throw Self.notFound
        }
        return SingleArticleResponse(article: article.view)
    }

    static let notFound = ConduitError.notFound("article")

}
