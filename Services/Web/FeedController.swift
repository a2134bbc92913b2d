import Basics
import ConduitContract
import Foundation
import HTTPKit
import Hummingbird

/// The Atom feeds of the newest articles: the blog's (`/feed.atom`), an author's
/// (`/profile/{username}/feed.atom`, beside their profile page) and a tag's (`/feed.atom?tag=`,
/// as the home page shows a tag's with `/?tag=`, and `/tag/{tag}/feed.atom`). The same for every
/// reader (nothing of the visitor's session is used), with an ETag: a feed reader that sends it
/// back gets 304 while nothing changed.
struct FeedController: Sendable {
    let site: Site
    static let entries = 20

    func addRoutes(to router: Router<AppRequestContext>) {
        let feeds = router.group().add(middleware: HTTPCachingMiddleware())
        feeds.get("/feed.atom") { request, context in
            if let tag = request.uri.queryParameters["tag"].map(String.init).flatMap(\.nonEmpty) {
                return try await tagFeed(tag, request, context)
            }
            return try await blogFeed(request, context)
        }
        feeds.get("/tag/:tag/feed.atom") { request, context in
            guard let tag = context.parameters.get("tag")?.removingPercentEncoding, !tag.isEmpty else { throw WebError.notFound }
            return try await tagFeed(tag, request, context)
        }
        feeds.get("/profile/:username/feed.atom", use: authorFeed)
    }

    func blogFeed(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let caller = site.visit(request, context).anonymous
        let articles = try await newest(.all, caller)
        let feed = AtomFeed(id: AtomFeed.idPrefix + "feed", title: "Inkwell", path: Paths.feed(), pagePath: Paths.home(), articles: articles)
        return response(feed, request)
    }

    /// 404 for a tag that no article has.
    func tagFeed(_ tag: String, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let caller = site.visit(request, context).anonymous
        let articles = try await newest(.tag(tag), caller)
        guard !articles.isEmpty else { throw WebError.notFound }
        let feed = AtomFeed(
            id: AtomFeed.idPrefix + "feed:tag:" + tag.urlComponentEncoded, title: "Inkwell: articles tagged “\(tag)”", path: Paths.feed(tag: tag),
            pagePath: Paths.home(tag: tag), articles: articles
        )
        return response(feed, request)
    }

    /// 404 for a user that does not exist (auth's answer); a user who has written nothing has an empty feed.
    @Sendable func authorFeed(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = site.visit(request, context).anonymous
        let username = try ProfileController.username(context)
        async let profile = site.api.profile(username, caller)
        async let articles = newest(.author(username), caller)
        let author = try await profile.username
        let feed = AtomFeed(
            id: AtomFeed.idPrefix + "feed:author:" + author.urlComponentEncoded, title: "Inkwell: articles by \(author)",
            path: Paths.profileFeed(author),
            pagePath: Paths.profile(author), articles: try await articles
        )
        return response(feed, request)
    }

    /// The newest ``entries`` articles of `filter`, with their bodies (lists leave them out, so each
    /// is read too, all at once). One deleted in between is left out.
    private func newest(_ filter: API.ArticleFilter, _ caller: Caller) async throws -> [ArticleView] {
        let listed = try await site.api.articles(filter, limit: Self.entries, offset: 0, caller).articles
        return try await withThrowingTaskGroup(of: (Int, ArticleView?).self) { group in
            for (index, article) in listed.enumerated() {
                group.addTask {
                    do {
                        return (index, try await site.api.article(article.slug, caller))
                    } catch let error as APIError where error.status == 404 {
                        return (index, nil)
                    }
                }
            }
            var read = [ArticleView?](repeating: nil, count: listed.count)
            for try await (index, article) in group { read[index] = article }
            return read.compactMap { $0 }
        }
    }

    private func response(_ feed: AtomFeed, _ request: Request) -> Response {
        Response(
            status: .ok, headers: [.contentType: AtomFeed.contentType],
            body: .init(byteBuffer: ByteBuffer(string: feed.xml(origin: AtomFeed.origin(of: request))))
        )
    }
}
