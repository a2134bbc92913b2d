import ConduitContract
import Events
import Foundation
import HTTPKit
import Hummingbird
import Logging
import TestSupport
import Testing

@testable import Posts

@Suite(.enabled(if: TestKafka.isAvailable, "needs the test PostgreSQL and broker (scripts/test starts them)"))
struct ArticlesTests {
    nonisolated(unsafe) static let timestamp = #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/#

    @Test func anArticleIsCreatedWithASlugAndReadBackByAnyone() async throws {
        try await PostsHarness.run { posts in
            let jake = try await posts.tokens.user("jake")
            let created = try await posts.send(
                .post, "/api/articles", as: jake,
                json:
                    #"{"article":{"title":"How to train your Dragon!","description":"Ever wonder how?","body":"You have to believe","tagList":["reactjs","angularjs","dragons","reactjs"," angularjs "]}}"#
            )
            #expect(created.status == .created)
            let article = try #require(created.article)
            #expect(article.slug == "how-to-train-your-dragon")
            #expect(article.tagList == ["angularjs", "dragons", "reactjs"])
            #expect(article.body == "You have to believe")
            #expect(article.favorited == false && article.favoritesCount == 0)
            #expect(article.author == Profile(username: jake.username, bio: "", image: "", following: false))
            #expect(article.createdAt.wholeMatch(of: Self.timestamp) != nil, "\(article.createdAt)")
            #expect(article.createdAt == article.updatedAt)

            let read = try await posts.send(.get, "/api/articles/how-to-train-your-dragon")
            #expect(read.status == .ok)
            #expect(read.article == article)

            let events = try await posts.events(ArticleCreated.self)
            #expect(events.map(\.article.slug) == ["how-to-train-your-dragon"])
            #expect(events.first?.article.authorID == jake.id)
        }
    }

    @Test(arguments: [
        (#"{"article":{"description":"d","body":"b"}}"#, ["title": ["can't be blank"]]),
        (#"{"article":{"title":" ","description":"","body":"b"}}"#, ["title": ["can't be blank"], "description": ["can't be blank"]]),
        (#"{"article":{"title":"t","description":"d","body":"b","tagList":42}}"#, ["tagList": ["must be an array"]]),
        (#"{"article":{"title":"t","description":"d","body":"b","tagList":["ok",""]}}"#, ["tagList": ["can't contain a blank tag"]]),
        (
            #"{"article":{"title":"\#(String(repeating: "t", count: 201))","description":"d","body":"b"}}"#,
            ["title": ["is too long (maximum is 200 characters)"]]
        ),
        // One character, 40 KB: a grapheme cluster of an "e" and 20,000 combining accents.
        (
            #"{"article":{"title":"e\#(String(repeating: "\u{301}", count: 20_000))","description":"d","body":"b"}}"#,
            ["title": ["is too long (maximum is 800 bytes)"]]
        ),
        (
            #"{"article":{"title":"t","description":"d","body":"b","tagList":["e\#(String(repeating: "\u{301}", count: 100))"]}}"#,
            [
                "tagList": ["can't contain a tag longer than 40 characters (160 bytes)"]
            ]
        ),
        (#"{"article":{"title":"t","description":"d","body":"b\u0000"}}"#, ["body": ["must not contain the character U+0000"]]),
        (#"{"article":{"title":"t","description":"d","body":"b","tagList":["a\u0000"]}}"#, ["tagList": ["must not contain the character U+0000"]]),
    ])
    func invalidArticlesAre422sNamingTheFieldAndWriteNoEvent(body: String, expected: [String: [String]]) async throws {
        try await PostsHarness.run { posts in
            let reply = try await posts.send(.post, "/api/articles", as: try await posts.tokens.user(), json: body)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errors == expected)
            #expect(try await posts.events(ArticleCreated.self).isEmpty)
        }
    }

    /// Clients that send the editor's tag field as typed, one string (the reference backend takes it).
    @Test(arguments: [(#""swift""#, ["swift"]), (#""""#, []), (#"" ""#, []), (#"null"#, [])])
    func aTagListGivenAsAStringIsOneTag(tagList: String, expected: [String]) async throws {
        try await PostsHarness.run { posts in
            let reply = try await posts.send(
                .post, "/api/articles", as: try await posts.tokens.user(),
                json: #"{"article":{"title":"Tagged as a string","description":"d","body":"b","tagList":\#(tagList)}}"#)
            #expect(reply.status == .created)
            #expect(reply.article?.tagList == expected)
        }
    }

    @Test func writingNeedsATokenAndOnlyTheAuthorMayChangeOrDelete() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user("author")
            let other = try await posts.tokens.user("other")
            let article = try await posts.create("Mine", by: author)
            #expect(
                try await posts.send(.post, "/api/articles", json: #"{"article":{"title":"t","description":"d","body":"b"}}"#).status == .unauthorized
            )

            let update = try await posts.send(.put, "/api/articles/\(article.slug)", as: other, json: #"{"article":{"body":"hijacked"}}"#)
            #expect(update.status == .forbidden)
            let delete = try await posts.send(.delete, "/api/articles/\(article.slug)", as: other)
            #expect(delete.status == .forbidden)
            #expect(try await posts.send(.get, "/api/articles/\(article.slug)").article?.body == "It's a body.")

            for (method, path) in [(HTTPRequest.Method.get, ""), (.put, ""), (.delete, ""), (.post, "/favorite"), (.delete, "/favorite")] {
                let reply = try await posts.send(
                    method, "/api/articles/no-such-article\(path)", as: author, json: method == .put ? #"{"article":{}}"# : nil)
                #expect(reply.status == .notFound, "\(method) \(path)")
                #expect(reply.errors == ["article": ["not found"]])
            }
            #expect(try await posts.events(ArticleUpdated.self).isEmpty)
            #expect(try await posts.events(ArticleDeleted.self).isEmpty)
        }
    }

    @Test func aFavoriteUpdatesTheArticleOnItsOwnPage() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user()
            let reader = try await posts.tokens.user()
            let body = String(repeating: "A body long enough to fill pages. ", count: 30)
            var slugs: [String] = []
            for n in 0..<12 { slugs.append(try await posts.create("Paged \(n) \(UUID().uuidString.prefix(8))", by: author, body: body).slug) }
            func page(of slug: String) async throws -> Int {
                let rows = try await posts.database.query(
                    "SELECT (ctid::text::point)[0]::int FROM articles WHERE slug = \(slug)", logger: Logger(label: "test"))
                return try #require(try await rows.decode(Int.self).collect().first)
            }
            let before = try await page(of: slugs[0])
            #expect(try await posts.send(.post, "/api/articles/\(slugs[0])/favorite", as: reader).article?.favoritesCount == 1)
            #expect(try await page(of: slugs[0]) == before, "the new version stayed on its page: no index was written")
        }
    }

    @Test func aTakenSlugGetsASuffixAndANewTitleANewSlug() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user()
            let first = try await posts.create("Same Title", by: author)
            let second = try await posts.create("Same title!", by: author)
            #expect(first.slug == "same-title")
            #expect(second.slug.wholeMatch(of: #/same-title-[a-z0-9]{6}/#) != nil, "\(second.slug)")

            let body = try await posts.send(.put, "/api/articles/\(second.slug)", as: author, json: #"{"article":{"body":"New body"}}"#)
            #expect(body.article?.slug == second.slug)
            #expect(body.article?.body == "New body")

            let renamed = try await posts.send(.put, "/api/articles/\(second.slug)", as: author, json: #"{"article":{"title":"A Whole New Title"}}"#)
            #expect(renamed.status == .ok)
            #expect(renamed.article?.slug == "a-whole-new-title")
            #expect(renamed.article?.title == "A Whole New Title")
            #expect(renamed.article.map { $0.updatedAt > $0.createdAt } == true)
            #expect(try await posts.send(.get, "/api/articles/\(second.slug)").status == .notFound)
            #expect(try await posts.send(.get, "/api/articles/a-whole-new-title").article?.body == "New body")
            #expect(try await posts.events(ArticleUpdated.self).map(\.article.slug) == [second.slug, "a-whole-new-title"])
        }
    }

    @Test func deletingIsA204AndTheArticleLeavesListsAndTags() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user()
            let kept = try await posts.create("Kept", by: author, tags: ["shared"])
            let gone = try await posts.create("Gone", by: author, tags: ["shared", "only-here"])
            #expect(try await posts.send(.get, "/api/tags").json(TagsResponse.self).tags == ["shared", "only-here"])

            let deleted = try await posts.send(.delete, "/api/articles/\(gone.slug)", as: author)
            #expect(deleted.status == .noContent)
            #expect(try await posts.send(.get, "/api/articles/\(gone.slug)").status == .notFound)
            let list = try #require(try await posts.send(.get, "/api/articles").list)
            #expect(list.articles.map(\.slug) == [kept.slug])
            #expect(list.articlesCount == 1)
            #expect(try await posts.send(.get, "/api/articles?tag=shared").list?.articlesCount == 1)
            #expect(try await posts.send(.get, "/api/tags").json(TagsResponse.self).tags == ["shared"])
            #expect(try await posts.events(ArticleDeleted.self).map(\.article.slug) == [gone.slug])
        }
    }

    @Test func theInternalRouteSaysWhoWroteAnArticleOnItsOwnListenerOnly() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user()
            let article = try await posts.create("Internal", by: author)
            let reply = try await posts.sendInternal("/internal/articles/\(article.slug)")
            #expect(reply.status == 200)
            let found = try JSONDecoder().decode(ArticleReference.self, from: reply.body)
            #expect(found.authorID == author.id && found.slug == article.slug && found.title == "Internal")
            #expect(try await posts.sendInternal("/internal/articles/nothing-here").status == 404)
            // The public listener, the one the gateway proxies to, has no internal route at all,
            // however the path is encoded.
            #expect(try await posts.send(.get, "/internal/articles/\(article.slug)").status == .notFound)
            #expect(try await posts.send(.get, "/internal/articles/..%2F..%2Fapi%2Ftags").status == .notFound)
            #expect(try await posts.sendInternal("/api/articles/\(article.slug)").status == 404)
        }
    }
}
