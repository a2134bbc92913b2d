import AsyncHTTPClient
import Basics
import ConduitContract
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
        return try await send(auth, .post, "/api/users", body: body, caller, as: UserResponse.self).user
    }

    func login(email: String, password: String, _ caller: Caller) async throws -> User {
        let body = ["user": ["email": email, "password": password]]
        return try await send(auth, .post, "/api/users/login", body: body, caller, as: UserResponse.self).user
    }

    func currentUser(_ caller: Caller) async throws -> User {
        try await get(auth, "/api/user", caller, as: UserResponse.self).user
    }

    /// Only the fields given change.
    func updateUser(_ changes: [String: String], _ caller: Caller) async throws -> User {
        try await send(auth, .put, "/api/user", body: ["user": changes], caller, as: UserResponse.self).user
    }

    func profile(_ username: String, _ caller: Caller) async throws -> Profile {
        try await get(auth, "/api/profiles/\(username.urlComponentEncoded)", caller, as: ProfileResponse.self).profile
    }

    func follow(_ username: String, _ caller: Caller) async throws {
        _ = try await send(
            auth, .post, "/api/profiles/\(username.urlComponentEncoded)/follow", body: nil as String?, caller, as: ProfileResponse.self)
    }

    func unfollow(_ username: String, _ caller: Caller) async throws {
        _ = try await send(
            auth, .delete, "/api/profiles/\(username.urlComponentEncoded)/follow", body: nil as String?, caller, as: ProfileResponse.self)
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

    func articles(_ filter: ArticleFilter, limit: Int, offset: Int, _ caller: Caller) async throws -> MultipleArticlesResponse {
        var path = filter == .feed ? "/api/articles/feed" : "/api/articles"
        path += "?limit=\(limit)&offset=\(offset)"
        switch filter {
        case .all, .feed: break
        case .tag(let tag): path += "&tag=\(tag.urlComponentEncoded)"
        case .author(let author): path += "&author=\(author.urlComponentEncoded)"
        case .favoritedBy(let user): path += "&favorited=\(user.urlComponentEncoded)"
        case .search(let words): path += "&search=\(words.urlComponentEncoded)"
        }
        return try await get(posts, path, caller, as: MultipleArticlesResponse.self)
    }

    func article(_ slug: String, _ caller: Caller) async throws -> ArticleView {
        try await get(posts, "/api/articles/\(slug.urlComponentEncoded)", caller, as: SingleArticleResponse.self).article
    }

    func createArticle(title: String, description: String, body: String, tags: [String], _ caller: Caller) async throws -> ArticleView {
        struct New: Encodable {
            struct Fields: Encodable {
                let title, description, body: String
                let tagList: [String]
            }
            let article: Fields
        }
        let new = New(article: .init(title: title, description: description, body: body, tagList: tags))
        return try await send(posts, .post, "/api/articles", body: new, caller, as: SingleArticleResponse.self).article
    }

    func updateArticle(_ slug: String, title: String, description: String, body: String, _ caller: Caller) async throws -> ArticleView {
        let changes = ["article": ["title": title, "description": description, "body": body]]
        return try await send(posts, .put, "/api/articles/\(slug.urlComponentEncoded)", body: changes, caller, as: SingleArticleResponse.self).article
    }

    func deleteArticle(_ slug: String, _ caller: Caller) async throws {
        try await send(posts, .delete, "/api/articles/\(slug.urlComponentEncoded)", caller)
    }

    func favorite(_ slug: String, _ caller: Caller) async throws {
        _ = try await send(
            posts, .post, "/api/articles/\(slug.urlComponentEncoded)/favorite", body: nil as String?, caller, as: SingleArticleResponse.self)
    }

    func unfavorite(_ slug: String, _ caller: Caller) async throws {
        _ = try await send(
            posts, .delete, "/api/articles/\(slug.urlComponentEncoded)/favorite", body: nil as String?, caller, as: SingleArticleResponse.self)
    }

    func tags(_ caller: Caller) async throws -> [String] {
        try await get(posts, "/api/tags", caller, as: TagsResponse.self).tags
    }

    // MARK: comments

    func comments(_ slug: String, _ caller: Caller) async throws -> [CommentView] {
        try await get(comments, "/api/articles/\(slug.urlComponentEncoded)/comments", caller, as: MultipleCommentsResponse.self).comments
    }

    func addComment(_ slug: String, body: String, _ caller: Caller) async throws {
        _ = try await send(
            comments, .post, "/api/articles/\(slug.urlComponentEncoded)/comments", body: ["comment": ["body": body]], caller,
            as: SingleCommentResponse.self)
    }

    func deleteComment(_ slug: String, id: Int64, _ caller: Caller) async throws {
        try await send(comments, .delete, "/api/articles/\(slug.urlComponentEncoded)/comments/\(id)", caller)
    }

    // MARK: notifier

    func notifications(limit: Int, offset: Int, _ caller: Caller) async throws -> MultipleNotificationsResponse {
        try await get(notifier, "/api/notifications?limit=\(limit)&offset=\(offset)", caller, as: MultipleNotificationsResponse.self)
    }

    // MARK: analytics

    /// The signed-in author's numbers for the last `days` days.
    func analytics(days: Int, _ caller: Caller) async throws -> AuthorAnalytics {
        try await get(analytics, "/api/analytics?days=\(days)", caller, as: AuthorAnalyticsResponse.self).analytics
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
}
