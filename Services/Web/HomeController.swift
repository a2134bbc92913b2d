import Basics
import Foundation
import HTTPKit
import Hummingbird

/// The home page: the global feed, the signed-in visitor's own feed (`?feed=following`), or one
/// tag's articles (`?tag=`), a page at a time (`?page=`), beside the popular tags.
struct HomeController: Sendable {
    let site: Site

    struct HomeView: Sendable {
        let tabs: [Link]
        let heading: String
        let articles: [ArticlePreview]
        let pagination: Pagination?
        let popularTags: [TagLink]
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/", use: home)
    }

    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        let query = request.uri.queryParameters
        let page = try PageNumber.parse(query["page"].map(String.init))
        let tag = query["tag"].map(String.init).flatMap(\.nonEmpty)
        let feed = query["feed"] == "following"
        if feed, !visit.session.isSignedIn { throw WebError.signInRequired }
        let filter: API.ArticleFilter = feed ? .feed : tag.map { .tag($0) } ?? .all
        async let articles = site.api.articles(filter, limit: Site.articlesPerPage, offset: (page - 1) * Site.articlesPerPage, visit.caller)
        async let tags = site.api.tags(visit.anonymous)
        let (list, popular) = try await (articles, tags)

        var tabs: [Link] = []
        if visit.session.isSignedIn { tabs.append(Link(label: "Your feed", href: Paths.home(feed: true), isCurrent: feed)) }
        tabs.append(Link(label: "Global feed", href: Paths.home(), isCurrent: !feed && tag == nil))
        if let tag { tabs.append(Link(label: "#" + tag, href: Paths.home(tag: tag), isCurrent: true)) }
        let heading = feed ? "Your feed" : tag.map { "Articles tagged “\($0)”" } ?? "Global feed"
        let view = HomeView(
            tabs: tabs, heading: heading,
            articles: list.articles.map { ArticlePreview($0, signedIn: visit.session.isSignedIn) },
            pagination: Pagination(current: page, total: list.articlesCount, perPage: Site.articlesPerPage) {
                Paths.home(tag: tag, feed: feed, page: $0)
            },
            popularTags: popular.map(TagLink.init)
        )
        let title = page > 1 ? "\(heading), page \(page)" : (feed || tag != nil ? heading : "Home")
        let feeds =
            feed
            ? []
            : [tag.map { FeedLink(title: "Articles tagged “\($0)”", href: Paths.feed(tag: $0)) } ?? FeedLink(title: "Inkwell", href: Paths.feed())]
        return site.page("home", title: title, content: view, visit, current: .home, feeds: feeds)
    }
}

/// `?page=`: a number from 1 to ``Site/lastPage``; anything else is a page that does not exist.
enum PageNumber {
    static func parse(_ text: String?) throws -> Int {
        guard let text else { return 1 }
        guard let number = Int(text), (1...Site.lastPage).contains(number) else { throw WebError.notFound }
        return number
    }
}
