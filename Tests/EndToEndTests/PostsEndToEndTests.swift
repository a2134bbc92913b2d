import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// Articles through the gateway, with tokens from auth and authors and follows arriving at
    /// posts as events.
    @Suite struct PostsEndToEndTests {
        func article(_ result: HTTPResult) -> [String: Any] { ((result.json as? [String: Any])?["article"] as? [String: Any]) ?? [:] }
        func articles(_ result: HTTPResult) -> [[String: Any]] { ((result.json as? [String: Any])?["articles"] as? [[String: Any]]) ?? [] }

        @Test func anArticlesLifeThroughTheGateway() async throws {
            let writer = try await registerMember("writer")
            let reader = try await registerMember("reader")
            let tag = "e2e\(UUID().uuidString.prefix(6).lowercased())"

            let created = try await request(
                .POST, Stack.gateway + "/api/articles", headers: writer.headers,
                body: #"{"article":{"title":"Gateway test \#(tag)","description":"d","body":"b","tagList":["\#(tag)","zeta"]}}"#
            )
            #expect(created.status == 201, "\(created.body)")
            let slug = try (article(created)["slug"] as? String).unwrap("slug")
            #expect(article(created)["tagList"] as? [String] == [tag, "zeta"])

            let listed = try await request(.GET, Stack.gateway + "/api/articles?tag=\(tag)")
            #expect(articles(listed).map { $0["slug"] as? String } == [slug])
            #expect(try await request(.GET, Stack.gateway + "/api/tags").body.contains(tag))

            // The follow travels from auth to posts as an event.
            #expect(try await request(.POST, Stack.gateway + "/api/profiles/\(writer.username)/follow", headers: reader.headers).status == 200)
            let inFeed = try await eventually(timeout: .seconds(30), every: .milliseconds(250)) {
                articles(try await request(.GET, Stack.gateway + "/api/articles/feed", headers: reader.headers)).contains {
                    $0["slug"] as? String == slug
                }
            }
            #expect(inFeed)

            let favorited = try await request(.POST, Stack.gateway + "/api/articles/\(slug)/favorite", headers: reader.headers)
            #expect(article(favorited)["favorited"] as? Bool == true)
            #expect(article(favorited)["favoritesCount"] as? Int == 1)
            #expect((article(favorited)["author"] as? [String: Any])?["following"] as? Bool == true)

            // A new username reaches the writer's articles.
            let newName = writer.username + "x"
            #expect(
                try await request(.PUT, Stack.gateway + "/api/user", headers: writer.headers, body: #"{"user":{"username":"\#(newName)"}}"#).status
                    == 200)
            let renamed = try await eventually(timeout: .seconds(30), every: .milliseconds(250)) {
                (article(try await request(.GET, Stack.gateway + "/api/articles/\(slug)"))["author"] as? [String: Any])?["username"] as? String
                    == newName
            }
            #expect(renamed)

            #expect(try await request(.DELETE, Stack.gateway + "/api/articles/\(slug)", headers: reader.headers).status == 403)
            #expect(try await request(.DELETE, Stack.gateway + "/api/articles/\(slug)", headers: writer.headers).status == 204)
            #expect(try await request(.GET, Stack.gateway + "/api/articles/\(slug)").status == 404)
        }

        @Test func badTokensAndBadInputAreConduitErrors() async throws {
            let unauthorized = try await request(
                .POST, Stack.gateway + "/api/articles", headers: [("Authorization", "Token nope"), ("Content-Type", "application/json")], body: "{}")
            #expect(unauthorized.status == 401)
            #expect(unauthorized.conduitErrors?["token"] != nil)
            let writer = try await registerMember("invalid")
            let invalid = try await request(
                .POST, Stack.gateway + "/api/articles", headers: writer.headers, body: #"{"article":{"title":"","description":"d","body":"b"}}"#)
            #expect(invalid.status == 422)
            #expect(invalid.conduitErrors == ["title": ["can't be blank"]])
        }
    }
}
