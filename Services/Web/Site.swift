import Foundation
import HTTPKit
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore

/// What every page handler uses: the services' APIs, the templates and the cookies' settings.
struct Site: Sendable {
    let api: API
    let templates: Templates
    let cookies: SessionCookies
    static let articlesPerPage = 10
    static let notificationsPerPage = 20
    /// Posts refuses offsets past a million; no page link goes further.
    static let lastPage = 1_000_000 / articlesPerPage

    /// The visitor of this request: their session (from the cookies) and how to call the services for them.
    func visit(_ request: Request, _ context: AppRequestContext) -> Visit {
        let session = Session(request: request, cookies: cookies)
        let caller = Caller(token: session.token, requestID: context.requestID, logger: context.logger)
        return Visit(session: session, caller: caller, path: Paths.local(request.uri.description))
    }

    /// The fields of a POSTed form, once it is known to come from this site's pages: the browser's
    /// `Sec-Fetch-Site` and `Origin` name this site, and the form's CSRF token is the one of the
    /// visitor's cookies. Otherwise nothing is done: ``WebError/crossSite`` (a 403 page).
    func form(_ request: Request, _ context: AppRequestContext, _ visit: Visit) async throws -> [String: String] {
        let sameOrigin = CSRF.isSameOrigin(
            origin: request.headers[.origin], fetchSite: request.headers[.secFetchSite],
            forwardedHost: request.headers[.xForwardedHost], host: request.head.authority
        )
        guard sameOrigin else {
            context.logger.notice("form refused: from another site", metadata: ["origin": "\(request.headers[.origin] ?? "-")"])
            throw WebError.crossSite
        }
        let body = try await ConduitRequestDecoder.collectBody(of: request, context: context)
        guard let decoded = try? URLEncodedFormDecoder().decode([String: String].self, from: String(buffer: body)) else {
            throw WebError.badRequest("The form could not be read.")
        }
        // Browsers send a textarea's lines ended with CRLF; what is stored, and what Markdown reads, has LF.
        let fields = decoded.mapValues { $0.replacingOccurrences(of: "\r\n", with: "\n") }
        guard !visit.session.seedIsNew, CSRF.isValid(fields[CSRF.field], seed: visit.session.seed, session: visit.session.token) else {
            context.logger.notice("form refused: missing or wrong CSRF token")
            throw WebError.crossSite
        }
        return fields
    }

    /// A page: `template` with `content`, inside the layout.
    /// - Parameters:
    ///   - search: the words in the layout's search box.
    ///   - feeds: the Atom feeds of what the page lists, for `<link rel="alternate">`.
    func page(
        _ template: String, title: String, content: Any, _ visit: Visit, status: HTTPResponse.Status = .ok, current: Navigation.Item? = nil,
        search: String = "", feeds: [FeedLink] = []
    ) -> Response {
        let view = PageView(
            title: title, stylesheet: templates.stylesheetPath, csrf: visit.session.csrfToken, returnTo: visit.path,
            viewer: visit.viewer, isSignedIn: visit.viewer != nil, nav: Navigation(current), search: search, feeds: feeds, content: content
        )
        var response = Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: templates.render(view, template)))
        )
        finish(&response, visit)
        return response
    }

    /// 303 See Other: after a form, the browser GETs `location`.
    func redirect(to location: String, _ visit: Visit, session: Cookie? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        if let session { response.setCookie(session) }
        finish(&response, visit, sessionCookieSet: session != nil)
        return response
    }

    /// Sets the CSRF seed cookie when the visitor had none, and drops a session cookie that holds nothing usable.
    private func finish(_ response: inout Response, _ visit: Visit, sessionCookieSet: Bool = false) {
        if visit.session.seedIsNew { response.setCookie(cookies.seed(visit.session.seed)) }
        if visit.session.hasStaleCookie, !sessionCookieSet { response.setCookie(cookies.clearedSession()) }
    }
}

struct Visit: Sendable {
    let session: Session
    let caller: Caller
    /// This page's path and query, where a form on it sends the visitor back to.
    let path: String

    var viewer: Viewer? {
        session.username.map { Viewer(username: $0, profilePath: Paths.profile($0)) }
    }

    /// The caller without the visitor's token, for pages that show the same to everyone.
    var anonymous: Caller { Caller(token: nil, requestID: caller.requestID, logger: caller.logger) }
}

/// Errors of the pages themselves (the services' are ``APIError`` and ``ConduitError``).
enum WebError: Error, Sendable {
    case notFound
    /// A form from another site, or without the visitor's CSRF token.
    case crossSite
    /// The page needs a signed-in visitor.
    case signInRequired
    case forbidden(String)
    case badRequest(String)
}

/// The layout's view: the page's title and navigation around its content.
struct PageView {
    let title: String
    let stylesheet: String
    let csrf: String
    let returnTo: String
    let viewer: Viewer?
    let isSignedIn: Bool
    let nav: Navigation
    let search: String
    let feeds: [FeedLink]
    let content: Any
}

/// An Atom feed of what a page lists.
struct FeedLink: Sendable {
    let title: String
    let href: String
}

struct Navigation: Sendable {
    enum Item: Sendable { case home, editor, settings, notifications, stats, login, register, ownProfile }
    let home: Bool
    let editor: Bool
    let settings: Bool
    let notifications: Bool
    let stats: Bool
    let login: Bool
    let register: Bool
    let ownProfile: Bool

    init(_ current: Item?) {
        home = current == .home
        editor = current == .editor
        settings = current == .settings
        notifications = current == .notifications
        stats = current == .stats
        login = current == .login
        register = current == .register
        ownProfile = current == .ownProfile
    }
}

/// The templates and the stylesheet, compiled into the binary (Services/Web/Templates, Assets).
struct Templates: Sendable {
    let library: MustacheLibrary
    let stylesheet: [UInt8]
    /// The stylesheet's path names its content's hash, so that it can be cached for a year.
    let stylesheetPath: String

    init() throws {
        let sources: [String: [UInt8]] = [
            "layout": PackageResources.layout_mustache,
            "field": PackageResources.field_mustache,
            "form_errors": PackageResources.form_errors_mustache,
            "article_list": PackageResources.article_list_mustache,
            "pagination": PackageResources.pagination_mustache,
            "favorite": PackageResources.favorite_mustache,
            "follow": PackageResources.follow_mustache,
            "home": PackageResources.home_mustache,
            "account": PackageResources.account_mustache,
            "settings": PackageResources.settings_mustache,
            "editor": PackageResources.editor_mustache,
            "article": PackageResources.article_mustache,
            "profile": PackageResources.profile_mustache,
            "notifications": PackageResources.notifications_mustache,
            "search": PackageResources.search_mustache,
            "stats": PackageResources.stats_mustache,
            "error": PackageResources.error_mustache,
        ]
        var library = MustacheLibrary()
        for (name, bytes) in sources {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
        stylesheet = PackageResources.style_css
        stylesheetPath = Assets.fingerprintedPath("style", extension: "css", content: stylesheet)
    }

    func render(_ view: PageView, _ template: String) -> String {
        guard let html = library.render(view, withTemplate: template) else {
            preconditionFailure("no template named \(template)")
        }
        return html
    }
}

extension HTTPField.Name {
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
    static let xForwardedHost = HTTPField.Name("X-Forwarded-Host")!
}
