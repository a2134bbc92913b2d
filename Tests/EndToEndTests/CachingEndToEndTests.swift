import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// The services' ETags and the gateway's shared cache for anonymous reads, with read-your-writes:
    /// the writer (with its token) sees its change on its next request, anyone else once the second
    /// the write ended in is over. Verdicts follow from the content and the clock's seconds, never
    /// from how fast the machine answers.
    @Suite struct CachingEndToEndTests {
        func text(_ result: HTTPResult, _ path: [String]) -> String? {
            var value: Any? = result.json
            for key in path { value = (value as? [String: Any])?[key] ?? (value as? [[String: Any]])?.first?[key] }
            return value as? String
        }

        /// Reads `path` anonymously (filling the gateway's cache) and checks the 304, runs `write`
        /// as `writer`, then checks that the writer's next read shows `changed` past the cache and
        /// that an anonymous reader gets it, with a new ETag, once the write's second is over.
        func checkReadYourWrites(
            _ path: String, writer: Member, field: [String], changed: String, write: () async throws -> Void
        ) async throws {
            let url = Stack.gateway + path
            let anonymous = try await request(.GET, url)
            #expect(anonymous.status == 200)
            #expect(anonymous.headers.first(name: "X-Cache-Status") != nil, "the gateway's cache handles anonymous reads")
            #expect(anonymous.headers.first(name: "X-Accel-Expires") == nil, "the gateway keeps its cache's instructions")
            #expect(anonymous.headers.first(name: "Cache-Control") == "no-cache")
            let etag = try anonymous.headers.first(name: "ETag").unwrap("ETag")
            let revalidated = try await request(.GET, url, headers: [("If-None-Match", etag)])
            #expect(revalidated.status == 304)
            #expect(revalidated.body.isEmpty)

            try await write()
            let written = Date().timeIntervalSince1970

            let writersRead = try await request(.GET, url, headers: writer.headers + [("If-None-Match", etag)])
            #expect(writersRead.status == 200)
            #expect(text(writersRead, field) == changed)
            #expect(writersRead.headers.first(name: "X-Cache-Status") == nil, "a token bypasses the gateway's cache")
            #expect(writersRead.headers.first(name: "Cache-Control") == "private, no-cache")

            // The answers the gateway kept before the write expire when the write's second ends.
            let untilNextSecond = (written.rounded(.down) + 1 - Date().timeIntervalSince1970) * 1000
            if untilNextSecond > 0 { try await Task.sleep(for: .milliseconds(Int(untilNextSecond) + 1)) }
            let readersRead = try await request(.GET, url, headers: [("If-None-Match", etag)])
            #expect(readersRead.status == 200)
            #expect(text(readersRead, field) == changed)
            #expect(readersRead.headers.first(name: "ETag") != etag)
        }

        @Test func anEditedArticleIsReadByItsWriterAtOnceAndByEveryoneWithinASecond() async throws {
            let writer = try await registerMember("cached")
            let created = try await request(
                .POST, Stack.gateway + "/api/articles", headers: writer.headers,
                body: #"{"article":{"title":"Cached \#(UUID().uuidString.prefix(6))","description":"d","body":"first version"}}"#)
            #expect(created.status == 201, "\(created.body)")
            let slug = try text(created, ["article", "slug"]).unwrap("slug")
            try await checkReadYourWrites("/api/articles/\(slug)", writer: writer, field: ["article", "body"], changed: "second version") {
                let updated = try await request(
                    .PUT, Stack.gateway + "/api/articles/\(slug)", headers: writer.headers, body: #"{"article":{"body":"second version"}}"#)
                #expect(updated.status == 200, "\(updated.body)")
            }
        }

        @Test func aNewCommentIsReadByItsWriterAtOnceAndByEveryoneWithinASecond() async throws {
            let writer = try await registerMember("cachedc")
            let created = try await request(
                .POST, Stack.gateway + "/api/articles", headers: writer.headers,
                body: #"{"article":{"title":"Cached comments \#(UUID().uuidString.prefix(6))","description":"d","body":"b"}}"#)
            let slug = try text(created, ["article", "slug"]).unwrap("slug")
            let path = "/api/articles/\(slug)/comments"
            try await checkReadYourWrites(path, writer: writer, field: ["comments", "body"], changed: "first!") {
                let posted = try await request(.POST, Stack.gateway + path, headers: writer.headers, body: #"{"comment":{"body":"first!"}}"#)
                #expect(posted.status == 200, "\(posted.body)")
            }
        }
    }
}
