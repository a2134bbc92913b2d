import Foundation
import HTTPKit
import Hummingbird

/// A profile: the user's articles (`/profile/{username}`) or favorites (`…/favorites`), with a
/// follow button.
struct ProfileController: Sendable {
    let site: Site

    struct ProfileView: Sendable {
        let username: String
        let bio: String
        let hasBio: Bool
        let author: AuthorView
        let isSelf: Bool
        let canFollow: Bool
        let follow: FollowButton
        let tabs: [Link]
        let heading: String
        let articles: [ArticlePreview]
        let pagination: Pagination?
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/profile/:username") { request, context in
            try await show(request, context, favorites: false)
        }
        router.get("/profile/:username/favorites") { request, context in
            try await show(request, context, favorites: true)
        }
        router.post("/profile/:username/follow") { request, context in
            try await act(request, context) { username, visit in try await site.api.follow(username, visit.caller) }
        }
        router.post("/profile/:username/unfollow") { request, context in
            try await act(request, context) { username, visit in try await site.api.unfollow(username, visit.caller) }
        }
    }

    static func username(_ context: AppRequestContext) throws -> String {
        guard let username = context.parameters.get("username")?.removingPercentEncoding, !username.isEmpty else { throw WebError.notFound }
        return username
    }

    func show(_ request: Request, _ context: AppRequestContext, favorites: Bool) async throws -> Response {
        let visit = site.visit(request, context)
        let username = try Self.username(context)
        let page = try PageNumber.parse(request.uri.queryParameters["page"].map(String.init))
        async let loadedProfile = site.api.profile(username, visit.caller)
        async let loadedArticles = site.api.articles(
            favorites ? .favoritedBy(username) : .author(username), limit: Site.articlesPerPage, offset: (page - 1) * Site.articlesPerPage,
            visit.caller
        )
        let (profile, list) = try await (loadedProfile, loadedArticles)
        let path = Paths.profile(profile.username)
        let isSelf = visit.session.username == profile.username
        let heading = favorites ? "Articles \(profile.username) favorited" : "Articles by \(profile.username)"
        let view = ProfileView(
            username: profile.username,
            bio: profile.bio, hasBio: !profile.bio.isEmpty,
            author: AuthorView(profile),
            isSelf: isSelf,
            canFollow: visit.session.isSignedIn && !isSelf,
            follow: FollowButton(username: profile.username, following: profile.following),
            tabs: [
                Link(label: "Articles", href: path, isCurrent: !favorites),
                Link(label: "Favorited articles", href: path + "/favorites", isCurrent: favorites),
            ],
            heading: heading,
            articles: list.articles.map { ArticlePreview($0, signedIn: visit.session.isSignedIn) },
            pagination: Pagination(current: page, total: list.articlesCount, perPage: Site.articlesPerPage) {
                (favorites ? path + "/favorites" : path) + ($0 > 1 ? "?page=\($0)" : "")
            }
        )
        let title = favorites ? "\(profile.username)’s favorites" : profile.username
        return site.page(
            "profile", title: page > 1 ? "\(title), page \(page)" : title, content: view, visit, current: isSelf ? .ownProfile : nil,
            feeds: [FeedLink(title: "Articles by \(profile.username)", href: Paths.profileFeed(profile.username))]
        )
    }

    private func act(_ request: Request, _ context: AppRequestContext, _ action: (String, Visit) async throws -> Void) async throws -> Response {
        let visit = site.visit(request, context)
        let form = try await site.form(request, context, visit)
        let username = try Self.username(context)
        try await action(username, visit)
        return site.redirect(to: Paths.local(form["return_to"], fallback: Paths.profile(username)), visit)
    }
}
