import Events
import Foundation
import HTTPKit
import Logging
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Messaging
@testable import Posts

/// Two replicas of posts' article views (each its own pool, cache, read lease and listening
/// connection) on one real PostgreSQL database. Each replica holds the article before a change
/// (checked), and the writer waits for every replica to hear its write (as posts does before it
/// answers a write): afterwards every reader, on either replica, sees the change at once.
@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct ArticleViewCacheTests {
    let logger = Logger(label: "test")

    struct Replica {
        let cache: ArticleViewCache
        let coherence: ReadCoherence
        let repository: ArticleRepository
        let announcements: ArticleViewAnnouncements

        func view(_ slug: String, as reader: AuthenticatedUser?) async throws -> ArticleRecord? {
            try await repository.view(slug: slug, reader: reader?.id, logger: Logger(label: "test"))
        }

        /// Reads until the replica holds the article and `reader`'s flags (a read that hears of a
        /// change while under way, the article's own creation say, holds nothing).
        func holds(_ slug: String, for reader: AuthenticatedUser? = nil) async throws -> Bool {
            try await eventually(timeout: .seconds(60)) {
                _ = try await view(slug, as: reader)
                return cache.entry(slug: slug) != nil && (reader.map { cache.reader($0.id) != nil } ?? true)
            }
        }

        func list(favoritedBy: String? = nil, as reader: AuthenticatedUser?) async throws -> (articles: [ArticleRecord], count: Int) {
            try await repository.listView(ArticleFilter(favoritedBy: favoritedBy), page: Page(), reader: reader?.id, logger: Logger(label: "test"))
        }

        /// Reads the newest articles, and those `favoritedBy` favorited, until the replica holds both pages.
        func holdsLists(favoritedBy: String) async throws -> Bool {
            try await eventually(timeout: .seconds(60)) {
                _ = try await list(as: nil)
                _ = try await list(favoritedBy: favoritedBy, as: nil)
                return cache.list(.init(limit: Page.defaultLimit, offset: 0)) != nil
                    && cache.list(.init(favoritedBy: favoritedBy, limit: Page.defaultLimit, offset: 0)) != nil
            }
        }

        /// What posts does after a write, before it answers.
        func writeHeard() async {
            await coherence.awaitEveryReplica(logger: Logger(label: "test"))
        }
    }

    /// Runs `body` with two replicas on a migrated scratch database, and a client of it for changes
    /// made elsewhere (as the events' consumer makes them); the replicas hold leases when `listening`.
    func withReplicas(
        listening: Bool = true, cache settings: ArticleViewCache.Settings = .init(), _ body: (Replica, Replica, PostgresClient) async throws -> Void
    ) async throws {
        try await TestDatabase.withScratchDatabase { url in
            let configuration = try DatabaseConfiguration(url: url, variable: "test")
            let clients = (0..<3).map { _ in PostgresClient(configuration: configuration.postgresClientConfiguration) }
            try await whileRunning(clients) {
                try await MigrationRunner(client: clients[2], schema: PostsMigrations.schema, logger: logger).run()
                let replicas = clients.prefix(2).map { client in
                    let coherence = ReadCoherence(
                        channel: ArticleViewAnnouncements.channel, settings: .init(), database: client, listeningConnection: .dedicated(configuration)
                    )
                    let cache = ArticleViewCache(settings: settings, coherence: coherence)
                    return Replica(
                        cache: cache, coherence: coherence, repository: ArticleRepository(database: client, cache: cache),
                        announcements: ArticleViewAnnouncements(cache: cache, coherence: coherence, logger: logger))
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    if listening {
                        for replica in replicas { group.addTask { try await replica.announcements.run() } }
                    }
                    defer { group.cancelAll() }
                    if listening {
                        for replica in replicas {
                            #expect(try await eventually(timeout: .seconds(60)) { replica.cache.readingGeneration() != nil })
                        }
                    }
                    try await body(replicas[0], replicas[1], clients[2])
                }
            }
        }
    }

    func user(_ name: String, in database: PostgresClient) async throws -> AuthenticatedUser {
        let user = AuthenticatedUser(id: UUID(), username: name, token: "unused")
        try await database.query("INSERT INTO users (id, username) VALUES (\(user.id), \(name))", logger: logger)
        return user
    }

    func article(by author: AuthenticatedUser, on replica: Replica) async throws -> ArticleRecord {
        try await replica.repository.create(
            .init(title: "Cached \(UUID().uuidString.prefix(8))", description: "d", body: "first body", tags: ["cache"]), by: author,
            logger: logger)
    }

    @Test func aWriteAnsweredOnOneReplicaIsSeenAtOnceByEveryReaderOnEveryReplica() async throws {
        try await withReplicas { a, b, database in
            let ada = try await user("ada", in: database)
            let bob = try await user("bob", in: database)
            #expect(try await b.repository.popularTags(limit: 10, logger: logger) == [])
            let slug = try await article(by: ada, on: a).slug
            await a.writeHeard()
            #expect(try await b.repository.popularTags(limit: 10, logger: logger) == ["cache"], "the held list of tags was dropped")
            func holdEverywhere() async throws {
                for replica in [a, b] {
                    #expect(try await replica.holds(slug, for: bob))
                    #expect(try await replica.holds(slug, for: ada))
                    #expect(try await replica.holdsLists(favoritedBy: "bob"))
                }
            }
            try await holdEverywhere()
            for replica in [a, b] {
                let seen = try await replica.view(slug, as: bob)
                #expect(seen?.favorited == false && seen?.favoritesCount == 0 && seen?.author.following == false)
            }

            // Bob favorites on A: everyone sees it at once on both, and both changed the set they
            // hold of Bob's favorites rather than dropping it.
            let leases = [a, b].map { $0.coherence.currentLease() }
            _ = try await a.repository.setFavorite(true, slug: slug, user: bob, logger: logger)
            await a.writeHeard()
            for (replica, lease) in zip([a, b], leases) {
                // (A lease that lapsed meanwhile, on a busy machine, empties what its replica held.)
                if lease != nil, replica.coherence.currentLease() == lease { #expect(replica.cache.reader(bob.id)?.favorites?.count == 1) }
                let newest = try await replica.list(as: bob)
                #expect(newest.articles.first?.favorited == true && newest.articles.first?.favoritesCount == 1 && newest.count == 1)
                #expect(try await replica.list(favoritedBy: "bob", as: nil).count == 1)
                let seen = try await replica.view(slug, as: bob)
                #expect(seen?.favorited == true && seen?.favoritesCount == 1)
                #expect(try await replica.view(slug, as: ada)?.favorited == false, "someone else's flags are their own")
                #expect(try await replica.view(slug, as: nil)?.favoritesCount == 1)
            }

            // And unfavorites on B.
            try await holdEverywhere()
            _ = try await b.repository.setFavorite(false, slug: slug, user: bob, logger: logger)
            await b.writeHeard()
            for replica in [a, b] {
                #expect(try await replica.list(as: bob).articles.first?.favorited == false)
                #expect(try await replica.list(favoritedBy: "bob", as: nil).count == 0)
                let seen = try await replica.view(slug, as: bob)
                #expect(seen?.favorited == false && seen?.favoritesCount == 0)
                #expect(try await replica.view(slug, as: nil)?.favoritesCount == 0)
            }

            // A follow and a new profile arrive as auth pushes them, written by neither replica's
            // own code: A (which took the push) waits for both to hear them.
            try await holdEverywhere()
            try await database.withConnection { connection in
                try await UserProjection.setFollow(
                    FollowRelation(followerID: bob.id, followeeID: ada.id), following: true, at: Date(), on: connection, logger: logger)
            }
            try await database.query("UPDATE users SET username = 'ada-renamed', bio = 'new bio' WHERE id = \(ada.id)", logger: logger)
            await a.writeHeard()
            for replica in [a, b] {
                let seen = try await replica.view(slug, as: bob)
                #expect(seen?.author.following == true && seen?.author.username == "ada-renamed" && seen?.author.bio == "new bio")
                let anonymous = try await replica.view(slug, as: nil)
                #expect(anonymous?.author.username == "ada-renamed" && anonymous?.author.following == false)
            }

            // The author edits on A.
            try await holdEverywhere()
            let edited = try await a.repository.update(slug: slug, changes: .init(body: "second body"), editor: ada.id, logger: logger)
            guard case .done = edited else { throw TestFailure("the edit failed: \(edited)") }
            await a.writeHeard()
            for replica in [a, b] {
                #expect(try await replica.view(slug, as: nil)?.body == "second body")
                #expect(try await replica.view(slug, as: bob)?.body == "second body")
            }

            // Deleted on B: gone from both.
            try await holdEverywhere()
            _ = try await b.repository.delete(slug: slug, by: ada.id, logger: logger)
            await b.writeHeard()
            for replica in [a, b] {
                #expect(try await replica.view(slug, as: nil) == nil)
                #expect(try await replica.view(slug, as: bob) == nil)
                #expect(try await replica.list(as: bob).count == 0)
                #expect(try await replica.repository.popularTags(limit: 10, logger: logger) == [])
            }
        }
    }

    @Test func aSearchIsHeldLikeAListAndKeptCurrentOnEveryReplica() async throws {
        try await withReplicas { a, b, database in
            let ada = try await user("ada", in: database)
            let bob = try await user("bob", in: database)
            let key = ArticleViewCache.ListKey(search: "heronry", limit: Page.defaultLimit, offset: 0)
            func write(_ title: String, on replica: Replica) async throws -> ArticleRecord {
                let written = try await replica.repository.create(
                    .init(title: title, description: "d", body: "b", tags: []), by: ada, logger: logger)
                await replica.writeHeard()
                return written
            }
            func search(on replica: Replica, as reader: AuthenticatedUser?) async throws -> (articles: [ArticleRecord], count: Int) {
                try await replica.repository.listView(ArticleFilter(search: "heronry"), page: Page(), reader: reader?.id, logger: logger)
            }
            func holdEverywhere() async throws {
                for replica in [a, b] {
                    #expect(
                        try await eventually(timeout: .seconds(60)) {
                            _ = try await search(on: replica, as: bob)
                            return replica.cache.list(key) != nil && replica.cache.reader(bob.id) != nil
                        })
                }
            }

            let first = try await write("A heronry at dawn", on: a)
            try await holdEverywhere()
            for replica in [a, b] { #expect(try await search(on: replica, as: bob).count == 1) }

            // Another match written on B: both find it at once.
            _ = try await write("The heronry by the lake", on: b)
            for replica in [a, b] { #expect(try await search(on: replica, as: nil).count == 2) }

            // Bob favorites the first on A: his flag, and the count, on both replicas' held search.
            try await holdEverywhere()
            _ = try await a.repository.setFavorite(true, slug: first.slug, user: bob, logger: logger)
            await a.writeHeard()
            for replica in [a, b] {
                let asBob = try await search(on: replica, as: bob).articles.first { $0.id == first.id }
                #expect(asBob?.favorited == true && asBob?.favoritesCount == 1)
                let anonymous = try await search(on: replica, as: nil).articles.first { $0.id == first.id }
                #expect(anonymous?.favorited == false && anonymous?.favoritesCount == 1)
            }
        }
    }

    @Test func aReaderWithMoreFavoritesAndFollowsThanAreHeldHasTheirFlagsAskedOfTheDatabase() async throws {
        try await withReplicas(cache: .init(heldPerReader: 1)) { a, b, database in
            let ada = try await user("ada", in: database)
            let cy = try await user("cy", in: database)
            let bob = try await user("bob", in: database)
            let first = try await article(by: ada, on: a)
            let second = try await article(by: cy, on: a)
            func follow(_ author: AuthenticatedUser, _ following: Bool) async throws {
                try await database.withConnection { connection in
                    try await UserProjection.setFollow(
                        FollowRelation(followerID: bob.id, followeeID: author.id), following: following, at: Date(), on: connection, logger: logger)
                }
            }
            _ = try await a.repository.setFavorite(true, slug: first.slug, user: bob, logger: logger)
            try await follow(ada, true)
            await a.writeHeard()
            for replica in [a, b] {
                #expect(try await replica.holds(first.slug, for: bob))
                let held = replica.cache.reader(bob.id)
                #expect(held?.favorites == [first.id] && held?.following == [ada.id], "one of each, as many as are held")
            }

            // A second of each, heard: more than are held, so neither set is held any longer.
            _ = try await b.repository.setFavorite(true, slug: second.slug, user: bob, logger: logger)
            try await follow(cy, true)
            await b.writeHeard()
            for replica in [a, b] {
                let held = replica.cache.reader(bob.id)
                #expect(held != nil && held?.favorites == nil && held?.following == nil)
                let newest = try await replica.list(as: bob).articles
                #expect(newest.count == 2 && newest.allSatisfy { $0.favorited && $0.author.following })
                let seen = try await replica.view(first.slug, as: bob)
                #expect(seen?.favorited == true && seen?.author.following == true)
                #expect(try await replica.view(first.slug, as: ada)?.favorited == false, "someone else's flags are their own")
            }

            _ = try await b.repository.setFavorite(false, slug: second.slug, user: bob, logger: logger)
            try await follow(ada, false)
            await b.writeHeard()
            for replica in [a, b] {
                let seen = try await replica.view(second.slug, as: bob)
                #expect(seen?.favorited == false && seen?.author.following == true)
                let other = try await replica.view(first.slug, as: bob)
                #expect(other?.favorited == true && other?.author.following == false)
            }
        }
    }

    @Test func aWriterWaitsForAReplicaThatHoldsALeaseButDoesNotAnswerUntilTheLeaseEnds() async throws {
        try await withReplicas { a, _, database in
            let silent = UUID()
            try await database.query(
                "INSERT INTO read_leases (replica, lease_until) VALUES (\(silent), now() + interval '2 seconds')", logger: logger)
            await a.writeHeard()
            let rows = try await database.query("SELECT lease_until <= now() FROM read_leases WHERE replica = \(silent)", logger: logger)
            for try await ended in rows.decode(Bool.self) { #expect(ended, "the writer returned while the silent replica's lease was live") }
        }
    }

    @Test func withoutALeaseEveryReadGoesToTheDatabase() async throws {
        try await withReplicas(listening: false) { a, _, database in
            let ada = try await user("ada", in: database)
            let slug = try await article(by: ada, on: a).slug
            #expect(try await a.view(slug, as: nil)?.body == "first body")
            #expect(a.cache.count == 0, "nothing held")
            try await database.query("UPDATE articles SET body = 'changed elsewhere' WHERE slug = \(slug)", logger: logger)
            #expect(try await a.view(slug, as: nil)?.body == "changed elsewhere")

            // With a lease, then no longer: what was held is not read, and reads go to the database again.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await a.announcements.run() }
                #expect(try await eventually(timeout: .seconds(60)) { a.cache.readingGeneration() != nil })
                #expect(try await a.holds(slug))
                group.cancelAll()
                try await group.waitForAll()
            }
            #expect(a.cache.readingGeneration() == nil)
            try await database.query("UPDATE articles SET body = 'changed again' WHERE slug = \(slug)", logger: logger)
            #expect(try await a.view(slug, as: nil)?.body == "changed again")
            let leases = try await database.query("SELECT count(*) FROM read_leases", logger: logger)
            for try await count in leases.decode(Int.self) { #expect(count == 0, "a replica that stops gives its lease up") }
        }
    }

    @Test func aReadThatHeardOfAChangeWhileUnderWayIsNotHeld() async throws {
        try await withReplicas { a, _, database in
            let ada = try await user("ada", in: database)
            let slug = try await article(by: ada, on: a).slug
            let read = try #require(try await a.repository.find(slug: slug, viewer: nil, logger: logger))
            // A busy machine can let the lease lapse while the article is written; the read is held only under one.
            var generation: Int?
            #expect(
                try await eventually(timeout: .seconds(60)) {
                    generation = a.cache.readingGeneration()
                    return generation != nil
                })
            let readAt = try #require(generation)
            a.cache.forget(.article(slug: "another-article"))
            a.cache.store(ArticleViewCache.Entry(article: read), readAt: readAt)
            #expect(a.cache.count == 0)
        }
    }

    @Test func withTheCacheOffTheServiceRunsAndReadsTheDatabase() async throws {
        try await PostsHarness.run(articleCache: .init(megabytes: 0)) { posts in
            let author = try await posts.tokens.user()
            let article = try await posts.create("Uncached", by: author)
            for _ in 0..<2 { #expect(try await posts.send(.get, "/api/articles/\(article.slug)", as: author).article?.title == "Uncached") }
            try await posts.database.query("UPDATE articles SET title = 'Changed' WHERE slug = \(article.slug)", logger: logger)
            #expect(try await posts.send(.get, "/api/articles/\(article.slug)").article?.title == "Changed")
            #expect(try await posts.send(.get, "/health/ready").status == .ok)
        }
    }

    @Test func theReadsAreCountedByWhatTheyFound() async throws {
        try await PostsHarness.run { posts in
            let article = try await posts.create("Counted", by: try await posts.tokens.user())
            let hit = #"inkwell_article_cache_reads_total{outcome="hit"}"#
            let counted = try await eventually(timeout: .seconds(60)) {
                _ = try await posts.send(.get, "/api/articles/\(article.slug)")
                return try await posts.send(.get, "/metrics").text.contains(hit)
            }
            #expect(counted)
        }
    }

    @Test func announcementsNameTheirChange() {
        let id = UUID()
        #expect(ArticleViewAnnouncements.change(announced: "a:some-slug") == .article(slug: "some-slug"))
        #expect(ArticleViewAnnouncements.change(announced: "u:\(id.uuidString.lowercased())") == .author(id))
        let other = UUID()
        #expect(ArticleViewAnnouncements.change(announced: "f+:\(id):\(other):7") == .favorite(reader: id, article: other, favorited: true))
        #expect(ArticleViewAnnouncements.change(announced: "f-:\(id):\(other):8") == .favorite(reader: id, article: other, favorited: false))
        #expect(ArticleViewAnnouncements.change(announced: "w+:\(id):\(other):9") == .follow(reader: id, author: other, following: true))
        #expect(ArticleViewAnnouncements.change(announced: "w-:\(id):\(other):10") == .follow(reader: id, author: other, following: false))
        #expect(ArticleViewAnnouncements.change(announced: "f+:\(id):\(other)") == nil)
        #expect(ArticleViewAnnouncements.change(announced: "*") == .everything)
        #expect(ArticleViewAnnouncements.change(announced: ArticleViewAnnouncements.searchIndexChanged) == .searchIndex)
        #expect(ArticleViewAnnouncements.change(announced: "u:not-an-id") == nil)
        #expect(ArticleViewAnnouncements.change(announced: "x") == nil)
    }
}
