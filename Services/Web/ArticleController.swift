import ConduitContract
import Foundation
import HTTPKit
import HTTPTypes
import Hummingbird

/// An article's page: its rendered body, its author, favorite and follow buttons, and its comments
/// with a form to add one; and the forms that act on it.
struct ArticleController: Sendable {
    let site: Site

    struct ArticleView: Sendable {
        let title: String
        let bodyHTML: String
        let tags: [TagLink]
        let author: AuthorView
        let date: DateView
        let favorite: FavoriteButton
        let follow: FollowButton
        let canFollow: Bool
        let isAuthor: Bool
        let editPath: String
        let deleteAction: String
        let comments: [CommentView]
        let hasComments: Bool
        let commentsUnavailable: Bool
        let commentAction: String
        let commentField: FieldView
        let commentErrors: [String]
        let hasCommentErrors: Bool
    }

    struct CommentView: Sendable {
        let id: Int64
        let text: String
        let author: AuthorView
        let date: DateView
        let canDelete: Bool
        let deleteAction: String
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/article/:slug", use: show)
        router.post("/article/:slug/favorite") { request, context in
            try await act(request, context) { slug, visit in try await site.api.favorite(slug, visit.caller) }
        }
        router.post("/article/:slug/unfavorite") { request, context in
            try await act(request, context) { slug, visit in try await site.api.unfavorite(slug, visit.caller) }
        }
        router.post("/article/:slug/comments", use: addComment)
        router.post("/article/:slug/comments/:id/delete") { request, context in
            guard let id = context.parameters.get("id", as: Int64.self) else { throw WebError.notFound }
            return try await act(request, context) { slug, visit in try await site.api.deleteComment(slug, id: id, visit.caller) }
        }
        router.post("/article/:slug/delete") { request, context in
            let visit = site.visit(request, context)
            _ = try await site.form(request, context, visit)
            try await site.api.deleteArticle(try Self.slug(context), visit.caller)
            return site.redirect(to: "/", visit)
        }
    }

    static func slug(_ context: AppRequestContext) throws -> String {
        guard let slug = context.parameters.get("slug")?.removingPercentEncoding, !slug.isEmpty else { throw WebError.notFound }
        return slug
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await page(site.visit(request, context), slug: try Self.slug(context))
    }

    /// The page, with `comment` and `errors` back in the comment form when adding one failed.
    func page(_ visit: Visit, slug: String, comment: String = "", errors: FormErrors = FormErrors(), status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        async let loadedArticle = site.api.article(slug, visit.caller)
        async let loadedComments = site.api.comments(slug, visit.caller)
        let article = try await loadedArticle
        // The article can be read while the comments service is down.
        var comments: [ConduitContract.CommentView] = []
        var commentsUnavailable = false
        do {
            comments = try await loadedComments
        } catch let error as ConduitError where error.status == .serviceUnavailable {
            commentsUnavailable = true
        }
        let viewer = visit.session.username
        // Posts knows of the viewer's own follows as soon as auth has answered them (auth pushes them).
        let following = article.author.following
        let path = Paths.article(article.slug)
        let view = ArticleView(
            title: article.title,
            bodyHTML: Markdown.html(article.body ?? ""),
            tags: article.tagList.map(TagLink.init),
            author: AuthorView(article.author),
            date: DateView(article.createdAt),
            favorite: FavoriteButton(article, signedIn: viewer != nil),
            follow: FollowButton(username: article.author.username, following: following),
            canFollow: viewer != nil && viewer != article.author.username,
            isAuthor: viewer == article.author.username,
            editPath: Paths.editor(article.slug),
            deleteAction: path + "/delete",
            comments: comments.map { comment in
                CommentView(
                    id: comment.id, text: comment.body, author: AuthorView(comment.author), date: DateView(comment.createdAt),
                    canDelete: viewer == comment.author.username, deleteAction: path + "/comments/\(comment.id)/delete"
                )
            },
            hasComments: !comments.isEmpty,
            commentsUnavailable: commentsUnavailable,
            commentAction: path + "/comments",
            commentField: FieldView("body", label: "Your comment", value: comment, rows: 4, required: true, errors: errors.field("body")),
            commentErrors: errors.general,
            hasCommentErrors: !errors.general.isEmpty
        )
        return site.page("article", title: article.title, content: view, visit, status: status)
    }

    @Sendable func addComment(_ request: Request, context: AppRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        let form = try await site.form(request, context, visit)
        let slug = try Self.slug(context)
        let text = form["body"] ?? ""
        do {
            try await site.api.addComment(slug, body: text, visit.caller)
        } catch let error as APIError where error.status == 422 {
            return try await page(
                visit, slug: slug, comment: text, errors: FormErrors(error, labels: ["body": "Comment"]), status: .unprocessableContent)
        }
        return site.redirect(to: Paths.article(slug) + "#comments", visit)
    }

    /// A form that does one thing to the article, then sends the visitor back where they were.
    private func act(_ request: Request, _ context: AppRequestContext, _ action: (String, Visit) async throws -> Void) async throws -> Response {
        let visit = site.visit(request, context)
        let form = try await site.form(request, context, visit)
        let slug = try Self.slug(context)
        try await action(slug, visit)
        return site.redirect(to: Paths.local(form["return_to"], fallback: Paths.article(slug)), visit)
    }
}
