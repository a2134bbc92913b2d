import ConduitContract
import Events
import Foundation
import HTTPKit
import Hummingbird
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import Posts

@Suite(.enabled(if: TestKafka.isAvailable, "needs the test PostgreSQL and broker (scripts/test starts them)"))
struct ListsTests {
    @Test func listsAreNewestFirstFilteredPagedAndCountedWithoutBodies() async throws {
        try await PostsHarness.run { posts in
            let ada = try await posts.tokens.user("ada")
            let bob = try await posts.tokens.user("bob")
            var slugs: [String] = []
            for n in 1...5 {
                slugs.append(try await posts.create("Ada \(n)", by: ada, tags: n % 2 == 0 ? ["even", "all"] : ["odd", "all"]).slug)
            }
            slugs.append(try await posts.create("Bob 1", by: bob, tags: ["all"]).slug)
            try await posts.send(.post, "/api/articles/\(slugs[0])/favorite", as: bob)
            try await posts.send(.post, "/api/articles/\(slugs[2])/favorite", as: bob)

            let all = try #require(try await posts.send(.get, "/api/articles").list)
            #expect(all.articles.map(\.slug) == slugs.reversed())
            #expect(all.articlesCount == 6)
            #expect(all.articles.allSatisfy { $0.body == nil })
            #expect(try await !posts.send(.get, "/api/articles").text.contains("\"body\""))
            let pageAsBob = try #require(try await posts.send(.get, "/api/articles?limit=3&offset=2", as: bob).list)
            #expect(pageAsBob.articles.map(\.slug) == [slugs[3], slugs[2], slugs[1]])
            #expect(pageAsBob.articles.map(\.favorited) == [false, true, false])
            #expect(pageAsBob.articlesCount == 6)

            let even = try #require(try await posts.send(.get, "/api/articles?tag=even").list)
            #expect(even.articles.map(\.slug) == [slugs[3], slugs[1]])
            #expect(even.articlesCount == 2)
            let byBob = try #require(try await posts.send(.get, "/api/articles?author=\(bob.username)").list)
            #expect(byBob.articles.map(\.slug) == [slugs[5]] && byBob.articlesCount == 1)
            let favoritedByBob = try #require(try await posts.send(.get, "/api/articles?favorited=\(bob.username)", as: bob).list)
            #expect(favoritedByBob.articles.map(\.slug) == [slugs[2], slugs[0]])
            #expect(favoritedByBob.articles.allSatisfy { $0.favorited })
            #expect(favoritedByBob.articlesCount == 2)
            let combined = try #require(try await posts.send(.get, "/api/articles?tag=odd&author=\(ada.username)&favorited=\(bob.username)").list)
            #expect(combined.articles.map(\.slug) == [slugs[2], slugs[0]] && combined.articlesCount == 2)

            let paged = try #require(try await posts.send(.get, "/api/articles?tag=all&limit=2&offset=1").list)
            #expect(paged.articles.map(\.slug) == [slugs[4], slugs[3]])
            #expect(paged.articlesCount == 6)
            let pastTheEnd = try #require(try await posts.send(.get, "/api/articles?offset=6", as: bob).list)
            #expect(pastTheEnd.articles.isEmpty && pastTheEnd.articlesCount == 6)
            let capped = try #require(try await posts.send(.get, "/api/articles?limit=100000").list)
            #expect(capped.articles.count == 6)
            let nothing = try #require(try await posts.send(.get, "/api/articles?author=nobody").list)
            #expect(nothing.articles.isEmpty && nothing.articlesCount == 0)
            #expect(try await posts.send(.get, "/api/tags").json(TagsResponse.self).tags == ["all", "odd", "even"])
        }
    }

    @Test(arguments: [
        "limit=0", "limit=-3", "limit=many", "offset=-1", "offset=x", "offset=9223372036854775807", "offset=1000001",
        "tag=a%00b", "author=%00", "favorited=x%00",
    ])
    func badPagingIsA422(query: String) async throws {
        try await PostsHarness.run { posts in
            let reply = try await posts.send(.get, "/api/articles?\(query)")
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errors.keys.first == String(query.prefix { $0 != "=" }))
            // With a tag, the deepest offset once overflowed `limit + offset` and crashed the replica.
            let tagged = try await posts.send(.get, "/api/articles?tag=swift&\(query)")
            #expect(tagged.status == .unprocessableContent)
            #expect(try await posts.send(.get, "/api/articles?tag=swift&offset=1000000").status == .ok)
        }
    }

    @Test func favoritingIsPerCallerAndDoingItTwiceChangesNothing() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user("author")
            let fan = try await posts.tokens.user("fan")
            let article = try await posts.create("Loved", by: author)

            for _ in 0..<2 {
                let reply = try await posts.send(.post, "/api/articles/\(article.slug)/favorite", as: fan)
                #expect(reply.status == .ok)
                #expect(reply.article?.favorited == true && reply.article?.favoritesCount == 1)
            }
            #expect(try await posts.send(.get, "/api/articles/\(article.slug)", as: author).article?.favorited == false)
            #expect(try await posts.send(.get, "/api/articles/\(article.slug)").article?.favoritesCount == 1)
            for _ in 0..<2 {
                let reply = try await posts.send(.delete, "/api/articles/\(article.slug)/favorite", as: fan)
                #expect(reply.status == .ok)
                #expect(reply.article?.favorited == false && reply.article?.favoritesCount == 0)
            }
            let created = try #require(try await posts.events(ArticleCreated.self).first)
            #expect(try await posts.events(ArticleFavorited.self) == [ArticleFavorited(article: created.article, userID: fan.id)])
            #expect(try await posts.events(ArticleUnfavorited.self).count == 1)
            #expect(try await posts.send(.post, "/api/articles/\(article.slug)/favorite").status == .unauthorized)
        }
    }

    /// Its plan must not depend on the statistics (see migration 9): read the settings it runs with.
    @Test func theHomePageListRunsWithOneGenericPlanAndNoSort() async throws {
        try await PostsHarness.run { posts in
            let rows = try await posts.database.query("SELECT unnest(proconfig) FROM pg_proc WHERE proname = 'newest_articles'")
            var settings: Set<String> = []
            for try await (setting) in rows.decode(String.self) { settings.insert(setting) }
            #expect(settings == ["plan_cache_mode=force_generic_plan", "enable_sort=off"])
        }
    }

    /// The feed's page comes from its window of newest articles or from all the followed authors'
    /// articles (see `ArticleRepository.feed`): each window size here takes each way for some
    /// pages (a window of 21 holds one of the feed's articles, 25 all of them, at first).
    @Test func theFeedPagesAlikeFromItsWindowOfNewestArticlesAndFromAllOfThem() async throws {
        try await PostsHarness.run { posts in
            let reader = try await posts.tokens.user("feedreader")
            let ada = try await posts.tokens.user("feedada")
            let bob = try await posts.tokens.user("feedbob")
            let stranger = try await posts.tokens.user("feedstranger")
            // Ada is followed before she writes, Bob after: each way counts in the feed's total.
            let followsAda = EventEnvelope(UserFollowed(follow: FollowRelation(followerID: reader.id, followeeID: ada.id)))
            #expect(try await posts.push(followsAda) == ["applied": true])
            var feed: [String] = []
            for (n, author) in [ada, bob, ada, bob, ada].enumerated() {
                feed.insert(try await posts.create("Followed \(n)", by: author).slug, at: 0)
            }
            let followsBob = FollowRelation(followerID: reader.id, followeeID: bob.id)
            #expect(try await posts.push(EventEnvelope(UserFollowed(follow: followsBob))) == ["applied": true])
            for n in 0..<20 { _ = try await posts.create("Not followed \(n)", by: stranger) }

            for windowSize in [1, 21, 25, 1000] {
                let repository = ArticleRepository(
                    database: posts.database, cache: ArticleViewCache(settings: .init(megabytes: 0), coherence: nil),
                    feedWindow: RecentArticlesWindow(size: windowSize))
                for limit in [1, 2, 5] {
                    for offset in 0...feed.count {
                        let page = try await repository.list(
                            ArticleFilter(feedOf: reader.id), page: Page(limit: limit, offset: offset), viewer: reader.id,
                            logger: Logger(label: "test"))
                        let expected = Array(feed.dropFirst(offset).prefix(limit))
                        #expect(page.articles.map(\.slug) == expected, "window \(windowSize), limit \(limit), offset \(offset)")
                        #expect(page.count == feed.count)
                        #expect(page.articles.allSatisfy { $0.author.following })
                    }
                }
            }

            #expect(try await posts.send(.delete, "/api/articles/\(feed[0])", as: ada).status == .noContent)
            let afterDeleting = try #require(try await posts.send(.get, "/api/articles/feed?limit=2", as: reader).list)
            #expect(afterDeleting.articles.map(\.slug) == Array(feed[1...2]))
            #expect(afterDeleting.articlesCount == feed.count - 1)
            #expect(try await posts.push(EventEnvelope(UserUnfollowed(follow: followsBob))) == ["applied": true])
            let afterUnfollowing = try #require(try await posts.send(.get, "/api/articles/feed", as: reader).list)
            #expect(afterUnfollowing.articles.map(\.slug) == [feed[2], feed[4]])
            #expect(afterUnfollowing.articlesCount == 2)
        }
    }

    /// A follow counted while the author writes: each article is in the new follower's total once
    /// (the counters' triggers lock the author's counter first; see migration `feed_totals`).
    @Test func followsAndUnfollowsWhileTheAuthorWritesKeepTheFeedsTotalExact() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user("busyauthor")
            var readers: [AuthenticatedUser] = []
            for n in 0..<8 { readers.append(try await posts.tokens.user("busyreader\(n)")) }
            _ = try await posts.create("Before anyone follows", by: author)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<12 { group.addTask { _ = try await posts.create("Written while followed \(n)", by: author) } }
                for (n, reader) in readers.enumerated() {
                    group.addTask {
                        let relation = FollowRelation(followerID: reader.id, followeeID: author.id)
                        let start = Date()
                        _ = try await posts.push(EventEnvelope(UserFollowed(follow: relation), occurredAt: start))
                        if n % 2 == 1 {
                            _ = try await posts.push(EventEnvelope(UserUnfollowed(follow: relation), occurredAt: start.addingTimeInterval(1)))
                        }
                    }
                }
                try await group.waitForAll()
            }
            for (n, reader) in readers.enumerated() {
                let feed = try #require(try await posts.send(.get, "/api/articles/feed?limit=1", as: reader).list)
                #expect(feed.articlesCount == (n % 2 == 1 ? 0 : 13), "reader \(n)")
            }
        }
    }

    @Test func fiftyConcurrentFavoritesCountFifty() async throws {
        try await PostsHarness.run { posts in
            let article = try await posts.create("Popular", by: try await posts.tokens.user("author"))
            var fans: [AuthenticatedUser] = []
            for n in 0..<50 { fans.append(try await posts.tokens.user("fan\(n)")) }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for fan in fans {
                    group.addTask { try await posts.send(.post, "/api/articles/\(article.slug)/favorite", as: fan).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok })
            #expect(try await posts.send(.get, "/api/articles/\(article.slug)").article?.favoritesCount == 50)
            #expect(try await posts.events(ArticleFavorited.self).count == 50)
        }
    }
}
