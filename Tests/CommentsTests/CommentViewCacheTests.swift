import Events
import Foundation
import HTTPKit
import Logging
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Comments
@testable import Messaging

/// Two replicas of comments' threads (each its own pool, cache, read lease and listening
/// connection) on one real PostgreSQL database. Each replica holds the thread before a change
/// (checked), and the writer waits for every replica to hear its write, as comments does before it
/// answers: afterwards every reader, on either replica, sees the change at once.
@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct CommentViewCacheTests {
    let logger = Logger(label: "test")

    struct Replica {
        let cache: CommentViewCache
        let coherence: ReadCoherence
        let repository: CommentRepository
        let announcements: CommentViewAnnouncements

        func comments(of article: UUID, as reader: AuthenticatedUser?) async throws -> [CommentRecord]? {
            try await repository.comments(of: article, viewer: reader?.id, logger: Logger(label: "test"))
        }

        /// Reads until the replica holds the thread and whom `reader` follows.
        func holds(_ article: UUID, for reader: AuthenticatedUser) async throws -> Bool {
            try await eventually(timeout: .seconds(60)) {
                _ = try await comments(of: article, as: reader)
                return cache.thread(of: article) != nil && cache.following(of: reader.id) != nil
            }
        }

        func writeHeard() async {
            await coherence.awaitEveryReplica(logger: Logger(label: "test"))
        }
    }

    @Test func aWriteAnsweredOnOneReplicaIsSeenAtOnceByEveryReaderOnEveryReplica() async throws {
        try await TestDatabase.withScratchDatabase { url in
            let configuration = try DatabaseConfiguration(url: url, variable: "test")
            let clients = (0..<3).map { _ in PostgresClient(configuration: configuration.postgresClientConfiguration) }
            try await whileRunning(clients) {
                try await MigrationRunner(client: clients[2], schema: CommentsMigrations.schema, logger: logger).run()
                let replicas = clients.prefix(2).map { client in
                    let coherence = ReadCoherence(
                        channel: CommentViewAnnouncements.channel, settings: .init(), database: client,
                        listeningConnection: .dedicated(configuration))
                    let cache = CommentViewCache(bytes: 1 << 20, coherence: coherence)
                    return Replica(
                        cache: cache, coherence: coherence, repository: CommentRepository(database: client, cache: cache),
                        announcements: CommentViewAnnouncements(cache: cache, coherence: coherence, logger: logger))
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for replica in replicas { group.addTask { try await replica.announcements.run() } }
                    defer { group.cancelAll() }
                    for replica in replicas {
                        #expect(try await eventually(timeout: .seconds(60)) { replica.cache.readingGeneration() != nil })
                    }
                    try await exercise(replicas[0], replicas[1], database: clients[2])
                }
            }
        }
    }

    func exercise(_ a: Replica, _ b: Replica, database: PostgresClient) async throws {
        let ada = AuthenticatedUser(id: UUID(), username: "ada", token: "unused")
        let bob = AuthenticatedUser(id: UUID(), username: "bob", token: "unused")
        let article = ArticleReference(articleID: UUID(), slug: "threads", authorID: ada.id, title: "Threads")
        for user in [ada, bob] {
            try await database.query("INSERT INTO users (id, username) VALUES (\(user.id), \(user.username))", logger: logger)
        }
        for replica in [a, b] { #expect(try await replica.holds(article.articleID, for: bob)) }

        // Ada comments on A: both replicas show it at once.
        _ = try await a.repository.create(body: "first", on: article, by: ada, logger: logger)
        await a.writeHeard()
        for replica in [a, b] {
            let seen = try await replica.comments(of: article.articleID, as: bob)
            #expect(seen?.map(\.body) == ["first"] && seen?.first?.author.following == false)
        }

        // Bob follows Ada, as auth pushes it to A: he sees it at once on both; nobody else does.
        for replica in [a, b] { #expect(try await replica.holds(article.articleID, for: bob)) }
        try await database.withConnection { connection in
            try await UserProjection.setFollow(
                FollowRelation(followerID: bob.id, followeeID: ada.id), following: true, at: Date(), on: connection, logger: logger)
        }
        await a.writeHeard()
        for replica in [a, b] {
            #expect(try await replica.comments(of: article.articleID, as: bob)?.first?.author.following == true)
            #expect(try await replica.comments(of: article.articleID, as: nil)?.first?.author.following == false)
        }

        // The article's deletion arrives, as its event does on B: the thread is gone on both.
        for replica in [a, b] { #expect(try await replica.holds(article.articleID, for: bob)) }
        try await database.withConnection { connection in
            _ = try await CommentRepository.forgetDeletedArticle(article.articleID, on: connection, logger: logger)
        }
        await b.writeHeard()
        for replica in [a, b] { #expect(try await replica.comments(of: article.articleID, as: bob) == nil) }
    }

    @Test func announcementsNameTheirChange() {
        let id = UUID()
        #expect(CommentViewAnnouncements.change(announced: "c:\(id.uuidString)") == .article(id))
        #expect(CommentViewAnnouncements.change(announced: "u:\(id.uuidString)") == .author)
        #expect(CommentViewAnnouncements.change(announced: "v:\(id.uuidString)") == .reader(id))
        #expect(CommentViewAnnouncements.change(announced: "*") == .everything)
        #expect(CommentViewAnnouncements.change(announced: "c:not-an-id") == nil)
    }
}
