import AsyncHTTPClient
import Foundation
import HTTPKit
import HTTPTypes
import Hummingbird
import Logging

/// A service's answer that is not a success: its status and the errors of its Conduit body.
struct APIError: Error, Sendable, CustomStringConvertible {
    let service: String
    let status: Int
    let errors: [String: [String]]
    /// A 429's `Retry-After`.
    var retryAfter: String? = nil

    var description: String { "\(service) answered \(status): \(errors)" }

    /// Every message, each with its field's name in front (Conduit's messages read "can't be blank").
    var messages: [String] {
        errors.sorted { $0.key < $1.key }.flatMap { field, messages in
            messages.map { field == "body" ? $0 : "\(field) \($0)" }
        }
    }
}

/// Who is calling a service, for one page: the visitor's token, and the request's id and logger.
struct Caller: Sendable {
    let token: String?
    let requestID: String
    let logger: Logger
}

/// The other services' public APIs, as the pages use them: the Conduit API of auth, posts and
/// comments, the notifier's notifications and analytics' numbers. GETs are retried on another replica; changes are not
/// (see ``ServiceClient``). A service that cannot be reached throws ``ConduitError`` 503; one that
/// answers with an error, ``APIError``.
struct API: Sendable {
    let auth: ServiceClient
    let posts: ServiceClient
    let comments: ServiceClient
    let notifier: ServiceClient
    let analytics: ServiceClient

    init(_ configuration: WebConfiguration, httpClient: HTTPClient) {
        func client(_ name: String, _ urls: [String]) -> ServiceClient {
            ServiceClient(
                service: name, baseURLs: urls, attemptTimeout: configuration.apiTimeout, deadline: configuration.apiDeadline,
                attempts: max(3, urls.count), httpClient: httpClient
            )
        }
        auth = client("auth", configuration.authURLs)
        posts = client("posts", configuration.postsURLs)
        comments = client("comments", configuration.commentsURLs)
        notifier = client("notifier", configuration.notifierURLs)
        analytics = client("analytics", configuration.analyticsURLs)
    }

    // MARK: auth

    func register(username: String, email: String, password: String, _ caller: Caller) async throws -> User {
        let body = ["user": ["username": username, "email": email, "password": password]]
        return try await send(auth, .post, "/api/users", body: body, caller, as: UserEnvelope.self).user
    }

    func login(email: String, password: String, _ caller: Caller) async throws -> User {
        let body = ["user": ["email": email, "password": password]]
        return try await send(auth, .post, "/api/users/login", body: body, caller, as: UserEnvelope.self).user
    }

    func currentUser(_ caller: Caller) async throws -> User {
        try await get(auth, "/api/user", caller, as: UserEnvelope.self).user
    }

    /// Only the fields given change.
    func updateUser(_ changes: [String: String], _ caller: Caller) async throws -> User {
        try await send(auth, .put, "/api/user", body: ["user": changes], caller, as: UserEnvelope.self).user
    }

    func profile(_ username: String, _ caller: Caller) async throws -> Profile {
        try await get(auth, "/api/profiles/\(segment(username))", caller, as: ProfileEnvelope.self).profile
    }

    func follow(_ username: String, _ caller: Caller) async throws {
        _ = try await send(auth, .post, "/api/profiles/\(segment(username))/follow", body: nil as String?, caller, as: ProfileEnvelope.self)
    }

    func unfollow(_ username: String, _ caller: Caller) async throws {
        _ = try await send(auth, .delete, "/api/profiles/\(segment(username))/follow", body: nil as String?, caller, as: ProfileEnvelope.self)
    }

    // MARK: posts

    enum ArticleFilter: Sendable, Equatable {
        case all
        case tag(String)
        case author(String)
        case favoritedBy(String)
        /// The articles of the authors the caller follows.
        case feed
        /// The articles that hold these words, most relevant first, each with an excerpt.
        case search(String)
    }

    func articles(_ filter: ArticleFilter, limit: Int, offset: Int, _ caller: Caller) async throws -> ArticlePage {
        var path = filter == .feed ? "/api/articles/feed" : "/api/articles"
        path += "?limit=\(limit)&offset=\(offset)"
        switch filter {
        case .all, .feed: break
        case .tag(let tag): path += "&tag=\(queryValue(tag))"
        case .author(let author): path += "&author=\(queryValue(author))"
        case .favoritedBy(let user): path += "&favorited=\(queryValue(user))"
        case .search(let words): path += "&search=\(queryValue(words))"
        }
        return try await get(posts, path, caller, as: ArticlePage.self)
    }

    func article(_ slug: String, _ caller: Caller) async throws -> Article {
        try await get(posts, "/api/articles/\(segment(slug))", caller, as: ArticleEnvelope.self).article
    }

    func createArticle(title: String, description: String, body: String, tags: [String], _ caller: Caller) async throws -> Article {
        struct New: Encodable {
            struct Fields: Encodable {
                let title, description, body: String
                let tagList: [String]
            }
            let article: Fields
        }
        let new = New(article: .init(title: title, description: description, body: body, tagList: tags))
        return try await send(posts, .post, "/api/articles", body: new, caller, as: ArticleEnvelope.self).article
    }

    func updateArticle(_ slug: String, title: String, description: String, body: String, _ caller: Caller) async throws -> Article {
        let changes = ["article": ["title": title, "description": description, "body": body]]
        return try await send(posts, .put, "/api/articles/\(segment(slug))", body: changes, caller, as: ArticleEnvelope.self).article
    }

    func deleteArticle(_ slug: String, _ caller: Caller) async throws {
        try await send(posts, .delete, "/api/articles/\(segment(slug))", caller)
    }

    func favorite(_ slug: String, _ caller: Caller) async throws {
        _ = try await send(posts, .post, "/api/articles/\(segment(slug))/favorite", body: nil as String?, caller, as: ArticleEnvelope.self)
    }

    func unfavorite(_ slug: String, _ caller: Caller) async throws {
        _ = try await send(posts, .delete, "/api/articles/\(segment(slug))/favorite", body: nil as String?, caller, as: ArticleEnvelope.self)
    }

    func tags(_ caller: Caller) async throws -> [String] {
        try await get(posts, "/api/tags", caller, as: TagsEnvelope.self).tags
    }

    // MARK: comments

    func comments(_ slug: String, _ caller: Caller) async throws -> [Comment] {
        try await get(comments, "/api/articles/\(segment(slug))/comments", caller, as: CommentsEnvelope.self).comments
    }

    func addComment(_ slug: String, body: String, _ caller: Caller) async throws {
        _ = try await send(
            comments, .post, "/api/articles/\(segment(slug))/comments", body: ["comment": ["body": body]], caller, as: CommentEnvelope.self)
    }

    func deleteComment(_ slug: String, id: Int64, _ caller: Caller) async throws {
        try await send(comments, .delete, "/api/articles/\(segment(slug))/comments/\(id)", caller)
    }

    // MARK: notifier

    func notifications(limit: Int, offset: Int, _ caller: Caller) async throws -> NotificationPage {
        try await get(notifier, "/api/notifications?limit=\(limit)&offset=\(offset)", caller, as: NotificationPage.self)
    }

    // MARK: analytics

    /// The signed-in author's numbers for the last `days` days.
    func analytics(days: Int, _ caller: Caller) async throws -> AuthorAnalytics {
        try await get(analytics, "/api/analytics?days=\(days)", caller, as: AnalyticsEnvelope.self).analytics
    }

    // MARK: calls

    private func get<Answer: Decodable>(_ client: ServiceClient, _ path: String, _ caller: Caller, as: Answer.Type) async throws -> Answer {
        let reply = try await client.get(path, headers: headers(caller, json: false), logger: caller.logger)
        return try decode(reply, from: client.service)
    }

    private func send<Answer: Decodable>(
        _ client: ServiceClient, _ method: HTTPRequest.Method, _ path: String, body: (some Encodable)?, _ caller: Caller, as: Answer.Type
    ) async throws -> Answer {
        let bytes = try body.map { ByteBuffer(bytes: try JSONEncoder().encode($0)) }
        let reply = try await client.send(method, path, headers: headers(caller, json: bytes != nil), body: bytes, logger: caller.logger)
        return try decode(reply, from: client.service)
    }

    /// A change whose answer has no body to read.
    private func send(_ client: ServiceClient, _ method: HTTPRequest.Method, _ path: String, _ caller: Caller) async throws {
        let reply = try await client.send(method, path, headers: headers(caller, json: false), logger: caller.logger)
        try check(reply, from: client.service)
    }

    private func headers(_ caller: Caller, json: Bool) -> HTTPFields {
        var fields: HTTPFields = [.requestID: caller.requestID]
        if let token = caller.token { fields[.authorization] = "Token \(token)" }
        if json { fields[.contentType] = "application/json" }
        return fields
    }

    private func decode<Answer: Decodable>(_ reply: ServiceClient.Reply, from service: String) throws -> Answer {
        try check(reply, from: service)
        do {
            return try JSONDecoder().decode(Answer.self, from: reply.body)
        } catch {
            throw APIError(service: service, status: 502, errors: ["body": ["the \(service) service answered with something unexpected"]])
        }
    }

    private func check(_ reply: ServiceClient.Reply, from service: String) throws {
        guard !(200..<300).contains(reply.status) else { return }
        struct ErrorBody: Decodable { let errors: [String: [String]] }
        let errors = (try? JSONDecoder().decode(ErrorBody.self, from: reply.body))?.errors ?? ["body": ["status \(reply.status)"]]
        throw APIError(service: service, status: reply.status, errors: errors, retryAfter: reply.headers[.retryAfter])
    }

    /// A path segment, percent-encoded but for the characters that never need it.
    private func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlUnreservedASCII) ?? ""
    }

    private func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlUnreservedASCII) ?? ""
    }
}

extension CharacterSet {
    /// RFC 3986's unreserved characters: ASCII letters, digits, `-`, `.`, `_` and `~`.
    static let urlUnreservedASCII = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

// MARK: the services' answers

struct User: Decodable, Sendable {
    var email: String
    var token: String
    var username: String
    var bio: String?
    var image: String?
}

struct Profile: Decodable, Sendable {
    var username: String
    var bio: String?
    var image: String?
    var following: Bool?
}

struct Article: Decodable, Sendable {
    var slug: String
    var title: String
    var description: String
    var body: String?
    /// A search hit's: HTML, some of the body with the words found in `<mark>` (posts escapes the rest).
    var excerpt: String?
    var tagList: [String]
    var createdAt: String
    var updatedAt: String
    var favorited: Bool
    var favoritesCount: Int
    var author: Profile
}

struct ArticlePage: Decodable, Sendable {
    var articles: [Article]
    var articlesCount: Int
}

struct Comment: Decodable, Sendable {
    var id: Int64
    var createdAt: String
    var body: String
    var author: Profile
}

struct Notification: Decodable, Sendable {
    struct ArticleReference: Decodable, Sendable {
        var slug: String
        var title: String
    }
    var id: Int64
    var kind: String
    var message: String
    var actor: String?
    var article: ArticleReference?
    var createdAt: String
}

struct NotificationPage: Decodable, Sendable {
    var notifications: [Notification]
    var notificationsCount: Int
}

struct AnalyticsCounts: Decodable, Sendable {
    var reads: Int
    var uniqueReaders: Int
    var favorites: Int
    var comments: Int
    var followers: Int?
}

struct AnalyticsDay: Decodable, Sendable {
    var date: String
    var reads: Int
    var uniqueReaders: Int
    var favorites: Int
    var comments: Int
    var followers: Int?
}

struct AnalyticsArticle: Decodable, Sendable {
    var slug: String
    var title: String
    var reads: Int
    var uniqueReaders: Int
    var favorites: Int
    var comments: Int
}

struct AuthorAnalytics: Decodable, Sendable {
    var days: Int
    var from: String
    var to: String
    var totals: AnalyticsCounts
    var daily: [AnalyticsDay]
    var topArticles: [AnalyticsArticle]
}

private struct AnalyticsEnvelope: Decodable { var analytics: AuthorAnalytics }
private struct UserEnvelope: Decodable { var user: User }
private struct ProfileEnvelope: Decodable { var profile: Profile }
private struct ArticleEnvelope: Decodable { var article: Article }
private struct TagsEnvelope: Decodable { var tags: [String] }
private struct CommentsEnvelope: Decodable { var comments: [Comment] }
private struct CommentEnvelope: Decodable { var comment: Comment }
