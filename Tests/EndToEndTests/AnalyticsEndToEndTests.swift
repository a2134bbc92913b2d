import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// Reads counted through the gateway's mirror, the cache's answers included, and the numbers
    /// shown to their author only. Verdicts by the numbers, polled with a generous timeout.
    @Suite struct AnalyticsEndToEndTests {
        static func value(_ result: HTTPResult, _ path: [String]) -> Any? {
            var value: Any? = result.json
            for key in path { value = (value as? [String: Any])?[key] }
            return value
        }

        /// The author's numbers for `slug`, once `condition` holds for them (or the last ones seen after a minute).
        static func articleNumbers(_ slug: String, as author: Member, until condition: ([String: Any]) -> Bool) async throws -> [String: Any] {
            var latest: [String: Any] = [:]
            _ = try await eventually(timeout: .seconds(60), every: .milliseconds(250)) {
                let result = try await request(.GET, Stack.gateway + "/api/analytics/articles/\(slug)?days=7", headers: author.headers)
                guard result.status == 200, let totals = value(result, ["articleAnalytics", "totals"]) as? [String: Any] else { return false }
                latest = totals
                return condition(totals)
            }
            return latest
        }

        @Test func everyReadCountsTheCachesAnswersIncludedAndOnlyTheAuthorSeesTheNumbers() async throws {
            let writer = try await registerMember("counted")
            let reader = try await registerMember("reader")
            let created = try await request(
                .POST, Stack.gateway + "/api/articles", headers: writer.headers,
                body: #"{"article":{"title":"Counted \#(UUID().uuidString.prefix(6))","description":"d","body":"read me"}}"#)
            #expect(created.status == 201, "\(created.body)")
            let slug = try (Self.value(created, ["article", "slug"]) as? String).unwrap("slug")

            // Anonymous reads until the gateway's cache has answered one (it keeps an answer until
            // the end of the second it was made in); every one of them counts.
            var anonymousReads = 0
            var cacheHits = 0
            while cacheHits == 0, anonymousReads < 200 {
                let read = try await request(.GET, Stack.gateway + "/api/articles/\(slug)")
                #expect(read.status == 200)
                anonymousReads += 1
                if read.headers.first(name: "X-Cache-Status") == "HIT" { cacheHits += 1 }
            }
            #expect(cacheHits == 1, "the gateway's cache answered one of \(anonymousReads) reads")
            // The page, anonymously (the same visitor as above: address and user agent), and the
            // API as a signed-in reader (past the cache).
            let page = try await request(.GET, Stack.gateway + "/article/\(slug)")
            #expect(page.status == 200)
            let signedIn = try await request(.GET, Stack.gateway + "/api/articles/\(slug)", headers: reader.headers)
            #expect(signedIn.status == 200)
            // Not reads: a change to the article, its comments, another page.
            _ = try await request(
                .PUT, Stack.gateway + "/api/articles/\(slug)", headers: writer.headers, body: #"{"article":{"body":"read me again"}}"#)
            _ = try await request(.GET, Stack.gateway + "/api/articles/\(slug)/comments")

            let reads = anonymousReads + 2
            let totals = try await Self.articleNumbers(slug, as: writer) { ($0["reads"] as? Int) ?? 0 >= reads }
            #expect(totals["reads"] as? Int == reads)
            #expect(totals["uniqueReaders"] as? Int == 2)

            let authors = try await request(.GET, Stack.gateway + "/api/analytics", headers: writer.headers)
            #expect(authors.status == 200)
            #expect((Self.value(authors, ["analytics", "totals", "reads"]) as? Int) == reads)
            let top = try (Self.value(authors, ["analytics", "topArticles"]) as? [[String: Any]]).unwrap("topArticles")
            #expect(top.first?["slug"] as? String == slug)

            // Nobody else sees them.
            let others = try await request(.GET, Stack.gateway + "/api/analytics/articles/\(slug)", headers: reader.headers)
            #expect(others.status == 403)
            #expect(others.conduitErrors != nil)
            let readers = try await request(.GET, Stack.gateway + "/api/analytics", headers: reader.headers)
            #expect((Self.value(readers, ["analytics", "totals", "reads"]) as? Int) == 0)
            #expect(try await request(.GET, Stack.gateway + "/api/analytics/articles/\(slug)").status == 401)
            let wrong = try await request(.GET, Stack.gateway + "/api/analytics?days=91", headers: writer.headers)
            #expect(wrong.status == 422 && wrong.conduitErrors?["days"] != nil)
            // The counter is the gateway's own business.
            #expect(try await request(.POST, Stack.gateway + "/internal/reads").status == 404)
            #expect(try await request(.GET, Stack.gateway + "/.analytics/read").status == 404)
        }
    }
}
