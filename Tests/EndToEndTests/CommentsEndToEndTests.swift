import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// The Conduit comment journey through the gateway: posts checks the article, auth's events
    /// bring the authors, and deleting the article removes its comments.
    @Suite struct CommentsEndToEndTests {
        func comments(_ result: HTTPResult) -> [[String: Any]] { ((result.json as? [String: Any])?["comments"] as? [[String: Any]]) ?? [] }

        @Test func commentOnAnArticleListDeleteAndCascade() async throws {
            let writer = try await registerMember("cwriter")
            let reader = try await registerMember("creader")
            let created = try await request(
                .POST, Stack.gateway + "/api/articles", headers: writer.headers,
                body: #"{"article":{"title":"Discuss \#(UUID().uuidString.prefix(6))","description":"d","body":"b"}}"#)
            let slug = try ((((created.json as? [String: Any])?["article"]) as? [String: Any])?["slug"] as? String).unwrap("slug")
            let path = Stack.gateway + "/api/articles/\(slug)/comments"

            let posted = try await request(.POST, path, headers: reader.headers, body: #"{"comment":{"body":"Nice one"}}"#)
            #expect(posted.status == 200, "\(posted.body)")
            let comment = try (((posted.json as? [String: Any])?["comment"]) as? [String: Any]).unwrap("comment")
            let id = try (comment["id"] as? Int).unwrap("id")
            #expect((comment["author"] as? [String: Any])?["username"] as? String == reader.username)

            let listed = try await request(.GET, path)
            #expect(comments(listed).map { $0["id"] as? Int } == [id])
            #expect(try await request(.DELETE, path + "/\(id)", headers: writer.headers).status == 403)

            let second = try await request(.POST, path, headers: reader.headers, body: #"{"comment":{"body":"Still there?"}}"#)
            #expect(second.status == 200)
            #expect(try await request(.DELETE, path + "/\(id)", headers: reader.headers).status == 204)
            #expect(comments(try await request(.GET, path)).count == 1)

            #expect(try await request(.DELETE, Stack.gateway + "/api/articles/\(slug)", headers: writer.headers).status == 204)
            // Every comments replica answers 404 once posts says so or the deletion event has arrived.
            let gone = try await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
                let replies = try await [request(.GET, path), request(.GET, path)]
                return replies.allSatisfy { $0.status == 404 && $0.conduitErrors == ["article": ["not found"]] }
            }
            #expect(gone)
        }

        @Test func aNewUsernameReachesExistingComments() async throws {
            let writer = try await registerMember("rwriter")
            let reader = try await registerMember("rreader")
            let created = try await request(
                .POST, Stack.gateway + "/api/articles", headers: writer.headers,
                body: #"{"article":{"title":"Renamed \#(UUID().uuidString.prefix(6))","description":"d","body":"b"}}"#)
            let slug = try ((((created.json as? [String: Any])?["article"]) as? [String: Any])?["slug"] as? String).unwrap("slug")
            #expect(
                try await request(
                    .POST, Stack.gateway + "/api/articles/\(slug)/comments", headers: reader.headers, body: #"{"comment":{"body":"Me first"}}"#
                ).status == 200)
            let newName = reader.username + "2"
            #expect(
                try await request(.PUT, Stack.gateway + "/api/user", headers: reader.headers, body: #"{"user":{"username":"\#(newName)"}}"#).status
                    == 200)
            let renamed = try await eventually(timeout: .seconds(30), every: .milliseconds(250)) {
                let author = comments(try await request(.GET, Stack.gateway + "/api/articles/\(slug)/comments")).first?["author"] as? [String: Any]
                return author?["username"] as? String == newName
            }
            #expect(renamed)
        }

        @Test func aBlankCommentIsA422() async throws {
            let writer = try await registerMember("blank")
            let created = try await request(
                .POST, Stack.gateway + "/api/articles", headers: writer.headers,
                body: #"{"article":{"title":"Blank \#(UUID().uuidString.prefix(6))","description":"d","body":"b"}}"#)
            let slug = try ((((created.json as? [String: Any])?["article"]) as? [String: Any])?["slug"] as? String).unwrap("slug")
            let reply = try await request(
                .POST, Stack.gateway + "/api/articles/\(slug)/comments", headers: writer.headers, body: #"{"comment":{"body":""}}"#)
            #expect(reply.status == 422)
            #expect(reply.conduitErrors == ["body": ["can't be blank"]])
        }
    }
}
