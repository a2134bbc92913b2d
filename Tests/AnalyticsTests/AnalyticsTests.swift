import ConduitContract
import Crypto
import Events
import Foundation
import HTTPKit
import Hummingbird
import HummingbirdTesting
import Kafka
import Logging
import Messaging
import PostgresNIO
import TestSupport
import Testing

@testable import Analytics

@Suite(.enabled(if: TestKafka.isAvailable && TestKafka.tansuBinary != nil, "needs PostgreSQL and Tansu (scripts/test provides them)"))
struct AnalyticsTests {
    @Test func readsAndEventsAreCountedForTheAuthorAlone() async throws {
        try await AnalyticsWorld.run { world in
            let ann = try await world.user("ann")
            let bob = try await world.user("bob")
            let cyd = try await world.user("cyd")
            let dragons = world.article(by: ann, "Dragons")
            let griffins = world.article(by: ann, "Griffins")
            try await world.withAnalytics { client in
                try await world.producer.publish(ArticleCreated(article: dragons))
                try await world.producer.publish(ArticleCreated(article: griffins))
                // Bob reads Dragons three times (API, API, page with his session cookie), a visitor
                // twice from one browser and once from another: 6 reads by 3 readers.
                try await client.read("/api/articles/\(dragons.slug)", token: bob.token)
                try await client.read("/api/articles/\(dragons.slug)?x=1", token: bob.token)
                try await client.read("/article/\(dragons.slug)", cookieToken: bob.token)
                try await client.read("/api/articles/\(dragons.slug)", address: "198.51.100.7", userAgent: "A")
                try await client.read("/article/\(dragons.slug)", address: "198.51.100.7", userAgent: "A")
                try await client.read("/article/\(dragons.slug)", address: "198.51.100.7", userAgent: "B")
                try await client.read("/api/articles/\(griffins.slug)", token: cyd.token)
                // Not reads of an article: the feed, a comment list, another page.
                try await client.read("/api/articles/feed", token: cyd.token)
                try await client.read("/api/articles/\(dragons.slug)/comments", token: cyd.token)
                try await client.read("/profile/\(ann.username)", token: cyd.token)
                // Favorited by two, withdrawn by one: net 1. Two comments, one deleted: net 1.
                // Followed by two, unfollowed by one: net 1.
                try await world.producer.publish(ArticleFavorited(article: dragons, userID: bob.id))
                try await world.producer.publish(ArticleFavorited(article: dragons, userID: cyd.id))
                try await world.producer.publish(ArticleUnfavorited(article: dragons, userID: cyd.id))
                try await world.producer.publish(CommentCreated(commentID: 1, on: dragons, authorID: bob.id, body: "Nice"))
                try await world.producer.publish(CommentCreated(commentID: 2, on: dragons, authorID: cyd.id, body: "Hm"))
                try await world.producer.publish(CommentDeleted(commentID: 2, articleID: dragons.articleID, authorID: cyd.id))
                try await world.producer.publish(UserFollowed(follow: FollowRelation(followerID: bob.id, followeeID: ann.id)))
                try await world.producer.publish(UserFollowed(follow: FollowRelation(followerID: cyd.id, followeeID: ann.id)))
                try await world.producer.publish(UserUnfollowed(follow: FollowRelation(followerID: cyd.id, followeeID: ann.id)))

                let expected = AnalyticsCounts(reads: 7, uniqueReaders: 4, favorites: 1, comments: 1, followers: 1)
                // The totals and the top articles are kept apart, each topic consumed on its own: wait for both.
                let numbers = try await world.analytics(of: ann, client) {
                    $0.totals == expected && $0.topArticles.first?.favorites == 1 && $0.topArticles.first?.comments == 1
                        && $0.topArticles.first?.reads == 6
                }
                #expect(numbers.totals == expected)
                #expect(numbers.days == 7 && numbers.daily.count == 7)
                let today = try #require(numbers.daily.last)
                #expect(today.date == numbers.to && today.reads == 7 && today.uniqueReaders == 4 && today.followers == 1)
                #expect(numbers.daily.dropLast().allSatisfy { $0.reads == 0 && $0.favorites == 0 })
                #expect(numbers.topArticles.map(\.slug) == [dragons.slug, griffins.slug])
                #expect(numbers.topArticles.first?.reads == 6 && numbers.topArticles.first?.uniqueReaders == 3)
                #expect(numbers.topArticles.first?.favorites == 1 && numbers.topArticles.first?.comments == 1)

                // A net count passes through its final value on the way (the favorites go 1, 2, 1): wait for the article's too.
                let expectedForDragons = AnalyticsCounts(reads: 6, uniqueReaders: 3, favorites: 1, comments: 1, followers: nil)
                var article = try await client.send(.get, "/api/analytics/articles/\(dragons.slug)?days=30", as: ann)
                _ = try await eventually(timeout: .seconds(120)) {
                    article = try await client.send(.get, "/api/analytics/articles/\(dragons.slug)?days=30", as: ann)
                    return try article.json(ArticleAnalyticsResponse.self).articleAnalytics.totals == expectedForDragons
                }
                #expect(article.status == .ok)
                let dragonNumbers = try article.json(ArticleAnalyticsResponse.self).articleAnalytics
                #expect(dragonNumbers.title == "Dragons" && dragonNumbers.daily.count == 30)
                #expect(dragonNumbers.totals == AnalyticsCounts(reads: 6, uniqueReaders: 3, favorites: 1, comments: 1, followers: nil))
                #expect(!article.text.contains("followers"))

                // Bob sees nothing of Ann's: his own numbers are zeros, her article is not his.
                let bobs = try await client.send(.get, "/api/analytics", as: bob).json(AuthorAnalyticsResponse.self).analytics
                #expect(bobs.totals == AnalyticsCounts(reads: 0, uniqueReaders: 0, favorites: 0, comments: 0, followers: 0))
                #expect(bobs.topArticles.isEmpty && bobs.daily.count == 30)
                #expect(try await client.send(.get, "/api/analytics/articles/\(dragons.slug)", as: bob).status == .forbidden)
                #expect(try await client.send(.get, "/api/analytics/articles/no-such-article", as: ann).status == .notFound)
                #expect(try await client.send(.get, "/api/analytics").status == .unauthorized)
                #expect(try await client.send(.get, "/api/analytics/articles/\(dragons.slug)").status == .unauthorized)
                for days in ["0", "91", "-1", "abc", "9999999999999999999999", "1.5", ""] {
                    let reply = try await client.send(.get, "/api/analytics?days=\(days)", as: ann)
                    #expect(reply.status == .unprocessableContent, "days=\(days)")
                    #expect(reply.errors["days"] != nil, "days=\(days)")
                }
                #expect(try await client.send(.get, "/api/analytics?days=90", as: ann).status == .ok)

                // The numbers name no reader: nothing in the database holds a token, a user id of a
                // reader, an address or a user agent.
                let stored = try await Self.everyStoredValue(world.database)
                for secret in [bob.id.uuidString.lowercased(), cyd.id.uuidString.lowercased(), "198.51.100.7", bob.token] {
                    #expect(!stored.contains(secret))
                }
            }
        }
    }

    @Test func replayingEveryTopicFromTheStartChangesNothing() async throws {
        try await AnalyticsWorld.run { world in
            let ann = try await world.user("ann")
            let bob = try await world.user("bob")
            let article = world.article(by: ann, "Replayed")
            let expected = AnalyticsCounts(reads: 3, uniqueReaders: 2, favorites: 1, comments: 1, followers: 1)
            try await world.withAnalytics { client in
                try await world.producer.publish(ArticleCreated(article: article))
                try await client.read("/api/articles/\(article.slug)", token: bob.token)
                try await client.read("/article/\(article.slug)", cookieToken: bob.token)
                try await client.read("/article/\(article.slug)")
                try await world.producer.publish(ArticleFavorited(article: article, userID: bob.id))
                try await world.producer.publish(CommentCreated(commentID: 7, on: article, authorID: bob.id, body: "Again"))
                try await world.producer.publish(UserFollowed(follow: FollowRelation(followerID: bob.id, followeeID: ann.id)))
                _ = try await world.analytics(of: ann, client) { $0.totals == expected }
            }
            let before = try await Self.counts(of: ann.id, article: article.articleID, world.database)

            // A new consumer group of the same consumer reads every topic from its first offset.
            let replay = EventConsumer(
                name: "analytics", configuration: TestKafka.configuration(brokers: world.brokers), groupID: "analytics-replay",
                topics: [EventTopic.users, .articles, .comments, .reads].map(\.rawValue), deadLetters: world.producer, client: world.database,
                handlers: AnalyticsHandlers.all, logger: TestKafka.logger)
            try await whileRunning([replay]) {
                // One new event per topic, published after everything else: once each is applied,
                // the replay has passed every earlier event of its topic (one partition each).
                let carol = try await world.user("carol")
                let sentinel = world.article(by: carol, "Sentinel")
                try await world.producer.publish(UserFollowed(follow: FollowRelation(followerID: bob.id, followeeID: carol.id)))
                try await world.producer.publish(ArticleFavorited(article: sentinel, userID: bob.id))
                try await world.producer.publish(CommentCreated(commentID: 8, on: sentinel, authorID: bob.id, body: "Last"))
                try await world.producer.publish(ArticleRead(slug: sentinel.slug, day: Day.today.string, reads: 1, readers: []))
                let replayed = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
                    let carols = try await Self.counts(of: carol.id, article: sentinel.articleID, world.database).joined(separator: "\n")
                    return carols.contains("author reads=1 unique=0 favorites=1 comments=1 followers=1")
                }
                #expect(replayed)
            }
            #expect(try await Self.counts(of: ann.id, article: article.articleID, world.database) == before)
            #expect(before.joined(separator: "\n").contains("author reads=3 unique=2 favorites=1 comments=1 followers=1"))
        }
    }

    @Test func readsThatComeBeforeTheirArticleJoinItWhenItArrives() async throws {
        try await AnalyticsWorld.run { world in
            let ann = try await world.user("ann")
            let early = world.article(by: ann, "Early")
            try await world.withAnalytics { client in
                try await client.read("/api/articles/\(early.slug)", address: "203.0.113.9")
                try await client.read("/api/articles/\(early.slug)", address: "203.0.113.10")
                let kept = try await eventually(timeout: .seconds(60)) {
                    try await world.database.query("SELECT reads FROM unmatched_reads WHERE slug = \(early.slug)", logger: TestKafka.logger).collect()
                        .count == 1
                }
                #expect(kept)
                try await world.producer.publish(ArticleCreated(article: early))
                let numbers = try await world.analytics(of: ann, client) { $0.totals.reads == 2 }
                #expect(numbers.totals.uniqueReaders == 2 && numbers.topArticles.map(\.slug) == [early.slug])
                #expect(try await world.database.query("SELECT 1 FROM unmatched_reads", logger: TestKafka.logger).collect().isEmpty)
            }
        }
    }

    /// Every row of the author's and the article's days, as text.
    static func counts(of author: UUID, article: UUID, _ database: PostgresClient) async throws -> [String] {
        var lines: [String] = []
        let authors = try await database.query(
            "SELECT day::text, reads, unique_readers, favorites, comments, followers, md5(readers) FROM author_days WHERE author_id = \(author) ORDER BY day",
            logger: TestKafka.logger)
        for try await (day, reads, unique, favorites, comments, followers, sketch) in authors.decode((String, Int, Int, Int, Int, Int, String?).self)
        {
            lines.append(
                "\(day) author reads=\(reads) unique=\(unique) favorites=\(favorites) comments=\(comments) followers=\(followers) \(sketch ?? "-")")
        }
        let articles = try await database.query(
            "SELECT day::text, reads, unique_readers, favorites, comments, md5(readers) FROM article_days WHERE article_id = \(article) ORDER BY day",
            logger: TestKafka.logger)
        for try await (day, reads, unique, favorites, comments, sketch) in articles.decode((String, Int, Int, Int, Int, String?).self) {
            lines.append("\(day) article reads=\(reads) unique=\(unique) favorites=\(favorites) comments=\(comments) \(sketch ?? "-")")
        }
        return lines
    }

    /// Every text and uuid value in the analytics tables but users (the token revocations' projection), as one string.
    static func everyStoredValue(_ database: PostgresClient) async throws -> String {
        var all = ""
        for table in ["articles", "article_slugs", "article_days", "author_days", "unmatched_reads", "reader_keys"] {
            let rows = try await database.query("SELECT row_to_json(t)::text FROM \(unescaped: table) t", logger: TestKafka.logger)
            for try await row in rows.decode(String.self) { all += row + "\n" }
        }
        return all
    }
}

@Suite struct ReadCountingTests {
    @Test func theSketchCountsDistinctReadersAndMergesIdempotently() {
        func hash(_ text: String) -> UInt64 { SHA256.hash(data: Data(text.utf8)).prefix(8).reduce(0) { $0 << 8 | UInt64($1) } }
        for count in [1, 2, 3, 10, 100, 1_000, 3_000, 3_001, 50_000] {
            var sketch = ReaderSketch()
            for reader in 0..<count {
                sketch.add(hash: hash("reader \(reader)"))
                sketch.add(hash: hash("reader \(reader)"))
            }
            let error = abs(Double(sketch.estimate - count)) / Double(count)
            #expect(count > ReaderSketch.sparseLimit ? error < 0.03 : sketch.estimate == count, "\(count) readers: \(sketch.estimate)")
            var merged = sketch
            merged.merge(sketch)
            #expect(merged == sketch)
            #expect(ReaderSketch(packed: sketch.packed) == sketch)
            #expect(ReaderSketch(stored: sketch.stored) == sketch)
        }
        var halves = (ReaderSketch(), ReaderSketch())
        for reader in 0..<200 { halves.0.add(hash: hash("reader \(reader)")) }
        for reader in 100..<300 { halves.1.add(hash: hash("reader \(reader)")) }
        halves.0.merge(halves.1)
        #expect(halves.0.estimate == 300)
        // A sparse sketch and a dense one merge into a dense one that counts both.
        var dense = ReaderSketch()
        for reader in 0..<5_000 { dense.add(hash: hash("dense \(reader)")) }
        var sparse = ReaderSketch()
        for reader in 0..<1_000 { sparse.add(hash: hash("sparse \(reader)")) }
        sparse.merge(dense)
        #expect(abs(Double(sparse.estimate - 6_000)) / 6_000 < 0.03)
        #expect(ReaderSketch(packed: [0, 0x3F, 0xFFFF_FFFF]).isEmpty)
        #expect(ReaderSketch(stored: [1, 2, 3]).isEmpty && ReaderSketch(stored: [2, 0]).isEmpty && ReaderSketch(stored: []).isEmpty)
    }

    @Test func onlyReadsOfAnArticleHaveASlug() {
        #expect(ReadSource.slug(fromURI: "/api/articles/how-to") == "how-to")
        #expect(ReadSource.slug(fromURI: "/api/articles/how-to?x=/y") == "how-to")
        #expect(ReadSource.slug(fromURI: "/article/how-to") == "how-to")
        #expect(ReadSource.slug(fromURI: "/article/caf%C3%A9") == "café")
        for uri in [
            "/api/articles", "/api/articles/", "/api/articles/feed", "/api/articles/a/comments", "/article/", "/article/a/favorite",
            "/profile/a", "/api/articles/%2F", "/api/articles/%00", "/article/" + String(repeating: "a", count: 513), "",
        ] {
            #expect(ReadSource.slug(fromURI: uri) == nil, "\(uri)")
        }
    }

    @Test func readersAreTheTokensSubjectOrTheBrowser() async throws {
        let id = UUID()
        let token = try await TokenFactory().validToken(username: "jake", userID: id)
        let user = "user:" + id.uuidString
        #expect(ReadSource.reader(authorization: "Token \(token)", cookie: nil, address: "a", userAgent: "b").lowercased() == user.lowercased())
        #expect(ReadSource.reader(authorization: "Bearer \(token)", cookie: nil, address: "a", userAgent: "b").lowercased() == user.lowercased())
        #expect(
            ReadSource.reader(authorization: nil, cookie: "x=1; __Host-inkwell_session=\(token)", address: "a", userAgent: "b").lowercased()
                == user.lowercased())
        #expect(ReadSource.reader(authorization: "Token nonsense", cookie: "inkwell_session=x.y.z", address: "a", userAgent: "b") == "visitor:a\nb")
        #expect(
            ReadSource.reader(authorization: nil, cookie: nil, address: "a", userAgent: "b")
                != ReadSource.reader(authorization: nil, cookie: nil, address: "a", userAgent: "c"))
    }

    @Test func daysAreUTCDates() {
        #expect(Day(number: 0).string == "1970-01-01")
        #expect(Day(number: 19_782).string == "2024-02-29")
        #expect(Day("2024-02-29")?.number == 19_782)
        #expect(Day(Date(timeIntervalSince1970: 86_399)).string == "1970-01-01")
        for text in ["2024-02-30", "2024-13-01", "24-01-01", "2024-1-1", "x", ""] {
            #expect(Day(text) == nil, "\(text)")
        }
        for number in stride(from: -1000, to: 40_000, by: 37) {
            #expect(Day(Day(number: number).string)?.number == number)
        }
    }

    @Test func aFullBatchDropsNewArticlesButKeepsCountingTheOnesItHolds() {
        let tally = ReadTally(maxArticles: 2)
        let day = Day.today
        #expect(tally.count(slug: "a", readerHash: 1, on: day))
        #expect(tally.count(slug: "b", readerHash: 2, on: day))
        #expect(!tally.count(slug: "c", readerHash: 3, on: day))
        #expect(tally.count(slug: "a", readerHash: 4, on: day))
        let batch = tally.take()
        #expect(batch.count == 2 && batch[.init(day: day, slug: "a")]?.reads == 2)
        #expect(tally.take().isEmpty)
        tally.putBack(batch)
        #expect(tally.take()[.init(day: day, slug: "a")]?.reads == 2)
    }
}
