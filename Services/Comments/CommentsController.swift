import Authentication
import ConduitContract
import Events
import Foundation
import HTTPKit
import Hummingbird

/// `GET/POST /api/articles/{slug}/comments` and `DELETE /api/articles/{slug}/comments/{id}`.
struct CommentsController: Sendable {
    static let bodyLength = 1...10_000

    let repository: CommentRepository
    let articles: ArticleLookup
    let verifier: TokenVerifier

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.group("articles/:slug/comments")
            .add(middleware: HTTPCachingMiddleware())
            .add(middleware: verifier.optional)
            .get(use: list)
        routes.group("articles/:slug/comments")
            .add(middleware: verifier.required)
            .post(use: create)
            .delete(":id", use: delete)
        return routes
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> MultipleCommentsResponse {
        let article = try await article(context)
        guard let comments = try await repository.comments(of: article.articleID, viewer: context.identity?.id, logger: context.logger) else {
            throw Self.articleNotFound
        }
        return MultipleCommentsResponse(comments: comments.map(\.view))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> SingleCommentResponse {
        let author = try context.requireIdentity()
        let body = try await request.decode(as: NewCommentRequest.self, context: context).comment.body
        var errors = FieldErrors()
        errors.check("body", body, length: Self.bodyLength)
        try errors.throwIfAny()

        let article = try await article(context)
        guard let comment = try await repository.create(body: body, on: article, by: author, logger: context.logger)
        else {
            throw Self.articleNotFound
        }
        context.logger.info("comment created", metadata: ["comment_id": "\(comment.id)", "article_id": "\(article.articleID)"])
        return SingleCommentResponse(comment: comment.view)
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireIdentity()
        guard let id = Int64(try context.parameters.require("id")) else { throw Self.commentNotFound }
        let article = try await article(context)
        switch try await repository.delete(id: id, of: article.articleID, by: user.id, logger: context.logger) {
        case .deleted: return Response(status: .noContent)
        case .notFound: throw Self.commentNotFound
        case .notAuthor: throw ConduitError.forbidden("only the comment's author may delete it")
        }
    }

    private func article(_ context: AppRequestContext) async throws -> ArticleReference {
        let slug = try context.parameters.require("slug")
        guard let article = try await articles.article(slug: slug, logger: context.logger) else { throw Self.articleNotFound }
        return article
    }

    static let articleNotFound = ConduitError.notFound("article")
    static let commentNotFound = ConduitError.notFound("comment")
}
