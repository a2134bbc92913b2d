import Foundation
import HTTPKit
import HTTPTypes
import Hummingbird

/// Writing an article (`/editor`) and editing one's own (`/editor/{slug}`).
struct EditorController: Sendable {
    let site: Site

    struct EditorView: Sendable {
        let heading: String
        let action: String
        let submitLabel: String
        let fields: [FieldView]
        /// Tags are set when an article is published; the API does not change them later.
        let fixedTags: [TagLink]
        let hasFixedTags: Bool
        let formErrors: [String]
        let hasFormErrors: Bool
    }

    static let labels = ["title": "Title", "description": "Description", "body": "Article", "tagList": "Tags"]

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/editor") { request, context in
            let visit = site.visit(request, context)
            guard visit.session.isSignedIn else { throw WebError.signInRequired }
            return editor(visit, slug: nil, values: [:])
        }
        router.post("/editor", use: create)
        router.get("/editor/:slug", use: edit)
        router.post("/editor/:slug", use: update)
    }

    func editor(
        _ visit: Visit, slug: String?, values: [String: String], tags: [String] = [], errors: FormErrors = FormErrors(),
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let labels = Self.labels
        var fields = [
            FieldView("title", label: labels["title"]!, value: values["title"] ?? "", required: true, errors: errors.field("title")),
            FieldView(
                "description", label: labels["description"]!, value: values["description"] ?? "", hint: "What is this article about, in a sentence?",
                required: true, errors: errors.field("description")
            ),
            FieldView(
                "body", label: labels["body"]!, value: values["body"] ?? "",
                hint: "Markdown: **bold**, *italic*, [links](https://example.com), `code`, lists, headings.",
                rows: 16, required: true, errors: errors.field("body")
            ),
        ]
        if slug == nil {
            fields.append(
                FieldView(
                    "tagList", label: labels["tagList"]!, value: values["tagList"] ?? "", hint: "Separated by commas.",
                    errors: errors.field("tagList")))
        }
        let view = EditorView(
            heading: slug == nil ? "New article" : "Edit article",
            action: slug.map(Paths.editor) ?? "/editor",
            submitLabel: slug == nil ? "Publish article" : "Save changes",
            fields: fields,
            fixedTags: tags.map(TagLink.init), hasFixedTags: !tags.isEmpty,
            formErrors: errors.general, hasFormErrors: !errors.general.isEmpty
        )
        return site.page("editor", title: view.heading, content: view, visit, status: status, current: slug == nil ? .editor : nil)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        let form = try await site.form(request, context, visit)
        guard visit.session.isSignedIn else { throw WebError.signInRequired }
        let tags = (form["tagList"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        do {
            let article = try await site.api.createArticle(
                title: form["title"] ?? "", description: form["description"] ?? "", body: form["body"] ?? "", tags: tags, visit.caller
            )
            return site.redirect(to: Paths.article(article.slug), visit)
        } catch let error as APIError where error.status == 422 {
            return editor(visit, slug: nil, values: form, errors: FormErrors(error, labels: Self.labels), status: .unprocessableContent)
        }
    }

    @Sendable func edit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        guard visit.session.isSignedIn else { throw WebError.signInRequired }
        let article = try await site.api.article(try ArticleController.slug(context), visit.caller)
        guard article.author.username == visit.session.username else { throw WebError.forbidden("Only its author may edit this article.") }
        return editor(
            visit, slug: article.slug, values: ["title": article.title, "description": article.description, "body": article.body ?? ""],
            tags: article.tagList
        )
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        let form = try await site.form(request, context, visit)
        guard visit.session.isSignedIn else { throw WebError.signInRequired }
        let slug = try ArticleController.slug(context)
        do {
            let article = try await site.api.updateArticle(
                slug, title: form["title"] ?? "", description: form["description"] ?? "", body: form["body"] ?? "", visit.caller
            )
            return site.redirect(to: Paths.article(article.slug), visit)
        } catch let error as APIError where error.status == 422 {
            return editor(visit, slug: slug, values: form, errors: FormErrors(error, labels: Self.labels), status: .unprocessableContent)
        }
    }
}
