import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// Search (the API's and the page's) and the Atom feeds, through the gateway.
    @Suite struct SearchAndFeedsEndToEndTests {
        func articles(_ result: HTTPResult) -> [[String: Any]] { ((result.json as? [String: Any])?["articles"] as? [[String: Any]]) ?? [] }

        /// A word no other article of the stack holds (the tests' databases keep earlier runs').
        static func uniqueWord() -> String {
            "zq" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(8))
        }

        func write(_ member: Member, title: String, body: String, tags: [String] = []) async throws -> String {
            let article: [String: Any] = ["title": title, "description": "d", "body": body, "tagList": tags]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: ["article": article]), as: UTF8.self)
            let created = try await request(.POST, Stack.gateway + "/api/articles", headers: member.headers, body: json)
            #expect(created.status == 201, "\(created.body)")
            return try (((created.json as? [String: Any])?["article"] as? [String: Any])?["slug"] as? String).unwrap("slug")
        }

        @Test func aSearchFindsRanksAndExcerptsThroughTheGatewayAndRefusesBadInputWithConduitErrors() async throws {
            let writer = try await registerMember("searcher")
            let word = Self.uniqueWord()
            let inBody = try await write(writer, title: "Body only", body: "Here the \(word) hides, <em>deep</em> & late.")
            let inTitle = try await write(writer, title: "All about \(word)", body: "Nothing else.")

            // With a token: past the gateway's cache, so the writer sees their articles at once.
            let found = try await request(.GET, Stack.gateway + "/api/articles?search=\(word)", headers: writer.headers)
            #expect(found.status == 200)
            #expect(articles(found).map { $0["slug"] as? String } == [inTitle, inBody])
            #expect((found.json as? [String: Any])?["articlesCount"] as? Int == 2)
            let excerpt = try (articles(found).last?["excerpt"] as? String).unwrap("excerpt")
            #expect(excerpt.contains("<mark>\(word)</mark>") && excerpt.contains("&amp; late") && !excerpt.contains("<em>"), "\(excerpt)")
            let narrowed = try await request(.GET, Stack.gateway + "/api/articles?search=\(word)&author=\(writer.username)&limit=1&offset=1")
            #expect(articles(narrowed).map { $0["slug"] as? String } == [inBody])

            // Anonymous searches are the gateway's cache's, like the other lists.
            let anonymous = try await request(.GET, Stack.gateway + "/api/articles?search=\(word)")
            #expect(anonymous.status == 200 && anonymous.headers.first(name: "X-Cache-Status") != nil)

            let bad = [
                "", "%20", String(repeating: "%22-%21%7C%26()%3A*%3C-%3E", count: 86), String(repeating: "%22-", count: 30),
                String(repeating: "x", count: 201), "a%00b",
            ]
            for search in bad {
                let refused = try await request(.GET, Stack.gateway + "/api/articles?search=\(search)")
                #expect(refused.status == 422, "\(search.prefix(40)): \(refused.status) \(refused.body)")
                #expect(refused.conduitErrors?["search"]?.isEmpty == false, "\(search.prefix(40)): \(refused.body)")
            }
            let unclosed = try await request(.GET, Stack.gateway + "/api/articles?search=%22\(word)", headers: writer.headers)
            #expect(unclosed.status == 200 && articles(unclosed).count == 2)

            // The page: the same hits, the excerpt's mark as markup and nothing else.
            let page = try await request(.GET, Stack.gateway + "/search?q=\(word)")
            #expect(page.status == 200)
            #expect(page.body.contains(#"<a href="/article/\#(inTitle)">All about \#(word)</a>"#))
            #expect(page.body.contains("<mark>\(word)</mark>") && !page.body.contains("<em>deep"))
        }

        @Test func theFeedsAreAtomWithETagsAndNamedByThePages() async throws {
            let writer = try await registerMember("feeder")
            let tag = Self.uniqueWord()
            let slug = try await write(writer, title: "Fed \(tag)", body: "# Heading\n\nSome **bold** text.", tags: [tag])

            for path in ["/feed.atom", "/profile/\(writer.username)/feed.atom", "/feed.atom?tag=\(tag)", "/tag/\(tag)/feed.atom"] {
                let feed = try await request(.GET, Stack.gateway + path)
                #expect(feed.status == 200, "\(path)")
                #expect(feed.headers.first(name: "Content-Type") == "application/atom+xml; charset=utf-8", "\(path)")
                #expect(feed.body.contains(#"<link rel="alternate" type="text/html" href="\#(Stack.gateway)/article/\#(slug)"/>"#), "\(path)")
                #expect(feed.body.contains("&lt;strong&gt;bold&lt;/strong&gt;"), "\(path): the body rendered")
                let etag = try feed.headers.first(name: "ETag").unwrap("\(path)'s ETag")
                let revalidated = try await request(.GET, Stack.gateway + path, headers: [("If-None-Match", etag)])
                #expect(revalidated.status == 304 && revalidated.body.isEmpty, "\(path)")
            }
            #expect(try await request(.GET, Stack.gateway + "/profile/nobody\(tag)/feed.atom").status == 404)
            #expect(try await request(.GET, Stack.gateway + "/feed.atom?tag=nothing\(tag)").status == 404)

            let profile = try await request(.GET, Stack.gateway + "/profile/\(writer.username)")
            #expect(
                profile.body.contains(
                    #"<link rel="alternate" type="application/atom+xml" title="Articles by \#(writer.username)" href="/profile/\#(writer.username)/feed.atom">"#
                ))
            let tagPage = try await request(.GET, Stack.gateway + "/?tag=\(tag)")
            #expect(tagPage.body.contains(#"href="/feed.atom?tag=\#(tag)">"#))
        }
    }
}
