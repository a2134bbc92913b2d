import ConduitContract
import Foundation
import HTTPKit
import Hummingbird

/// `/search?q=`: the articles that hold the words, most relevant first, each with an excerpt in
/// which the words found are marked, a page at a time (`&page=`). The layout's search box sends here.
struct SearchController: Sendable {
    let site: Site

    struct SearchView: Sendable {
        let heading: String
        /// Nothing to search for yet: the page says how to search.
        let isBlank: Bool
        let hasResultList: Bool
        let summary: String
        let hasResults: Bool
        let articles: [ArticlePreview]
        let pagination: Pagination?
        let formErrors: [String]
        let hasFormErrors: Bool
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/search", use: search)
    }

    /// The search box's form, as the browser sends it: `+` is a space (a `+` typed is `%2B`).
    struct Form: Decodable {
        var q: String?
        var page: String?
    }

    @Sendable func search(_ request: Request, context: AppRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        guard let form = try? URLEncodedFormDecoder().decode(Form.self, from: request.uri.query ?? "") else {
            throw WebError.badRequest("The search could not be read.")
        }
        let words = form.q ?? ""
        let page = try PageNumber.parse(form.page)
        if words.allSatisfy(\.isWhitespace) {
            return show(SearchView(blankWith: []), words: words, visit)
        }
        let list: MultipleArticlesResponse
        do {
            list = try await site.api.articles(.search(words), limit: Site.articlesPerPage, offset: (page - 1) * Site.articlesPerPage, visit.caller)
        } catch let error as APIError where error.status == 422 {
            // Too long, or no word in it: said above the box's words, which stay in the box to be changed.
            let errors = FormErrors(error, labels: ["search": "The search"])
            return show(SearchView(blankWith: errors.field("search") + errors.general), words: words, visit, status: .unprocessableContent)
        }
        let found = list.articlesCount
        let view = SearchView(
            heading: "Search results", isBlank: false, hasResultList: true,
            summary: found == 0 ? "No article holds “\(words)”." : "\(found) \(found == 1 ? "article holds" : "articles hold") “\(words)”",
            hasResults: !list.articles.isEmpty,
            articles: list.articles.map { ArticlePreview($0, signedIn: visit.session.isSignedIn) },
            pagination: Pagination(current: page, total: found, perPage: Site.articlesPerPage) { Paths.search(words, page: $0) },
            formErrors: [], hasFormErrors: false
        )
        let title = "Search: \(words)" + (page > 1 ? ", page \(page)" : "")
        return site.page("search", title: title, content: view, visit, search: words)
    }

    private func show(_ view: SearchView, words: String, _ visit: Visit, status: HTTPResponse.Status = .ok) -> Response {
        site.page("search", title: "Search", content: view, visit, status: status, search: words)
    }
}

extension SearchController.SearchView {
    /// The page without results: nothing to search for yet, or a search the service refused.
    init(blankWith messages: [String]) {
        self.init(
            heading: "Search", isBlank: messages.isEmpty, hasResultList: false, summary: "", hasResults: false, articles: [], pagination: nil,
            formErrors: messages, hasFormErrors: !messages.isEmpty
        )
    }
}
