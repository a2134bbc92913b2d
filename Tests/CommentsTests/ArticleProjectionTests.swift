import ConduitContract
import Events
import Foundation
import HTTPKit
import Hummingbird
import Logging
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Comments

/// Comments' copy of the articles: filled by the article events and by what posts answered, so that
/// comments finds a known article without asking posts; a slug names one article at a time.
struct ArticleProjectionTests {
    let logger = Logger(label: "test")

    @Test(.enabled(if: TestKafka.isAvailable, "needs the test PostgreSQL and broker (scripts/test starts them)"))
    func anArticlesEventsLetCommentsAnswerWithoutAskingPosts() async throws {
        try await CommentsHarness.run { harness in
            let writer = try await harness.tokens.user("writer")
            let slug = try await harness.article("Known from its events", by: writer)
            #expect(
                try await eventually(timeout: .seconds(120)) {
                    try await harness.number("SELECT count(*)::int FROM articles WHERE slug = \(slug)") == 1
                })

            harness.postsProxy.cut()
            let comment = try await harness.comment("Posts is away", on: slug, by: writer)
            #expect(try await harness.send(.get, "/api/articles/\(slug)/comments").comments?.map(\.id) == [comment.id])
            #expect(try await harness.events(CommentCreated.self).first?.articleTitle.hasPrefix("Known from its events ") == true)
            let unknown = try await harness.send(.get, "/api/articles/no-such-article/comments")
            #expect(unknown.status == .serviceUnavailable, "a slug comments does not hold is asked of posts: \(unknown.text)")

            // A new title gives the article a new slug; its event moves the article to it.
            let renamed = try await harness.posts.send(.put, "/api/articles/\(slug)", as: writer, json: #"{"article":{"title":"Renamed since"}}"#)
            let newSlug = try #require(try? renamed.json(SingleArticleResponse.self).article.slug)
            #expect(
                try await eventually(timeout: .seconds(120)) {
                    try await harness.send(.get, "/api/articles/\(newSlug)/comments").comments?.map(\.id) == [comment.id]
                })
            // The old slug is no longer held (after the few seconds comments may remember it for),
            // so it is asked of posts, which is away.
            #expect(
                try await eventually(timeout: .seconds(120)) {
                    try await harness.send(.get, "/api/articles/\(slug)/comments").status == .serviceUnavailable
                })
            harness.postsProxy.restore()
            // Posts answers again (at once on an idle machine; a loaded one may take a retry or two).
            #expect(
                try await eventually(timeout: .seconds(120)) {
                    try await harness.send(.get, "/api/articles/\(slug)/comments").status == .notFound
                })
        }
    }

    @Test(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
    func aSlugNamesOneArticleAndTheLaterEventDecides() async throws {
        try await TestDatabase.withScratchDatabase { url in
            let configuration = try DatabaseConfiguration(url: url, variable: "test")
            let database = PostgresClient(configuration: configuration.postgresClientConfiguration)
            try await whileRunning([database]) {
                try await MigrationRunner(client: database, schema: CommentsMigrations.schema, logger: logger).run()
                let start = Date()
                let (ada, bob) = (UUID(), UUID())
                let first = ArticleReference(articleID: UUID(), slug: "shared-slug", authorID: ada, title: "First")
                let second = ArticleReference(articleID: UUID(), slug: "shared-slug", authorID: bob, title: "Second")
                func store(_ article: ArticleReference, _ seconds: Double) async throws {
                    try await database.withConnection { connection in
                        try await ArticleProjection.store(article, at: start.addingTimeInterval(seconds), on: connection, logger: logger)
                    }
                }
                func held(_ slug: String) async throws -> ArticleReference? {
                    try await ArticleProjection.find(slug: slug, database: database, logger: logger)
                }

                // What posts answered is kept until an event says otherwise.
                try await ArticleProjection.remember(first, database: database, logger: logger)
                #expect(try await held("shared-slug") == first)
                var renamedFirst = first
                renamedFirst.slug = "first-renamed"
                try await store(renamedFirst, 1)
                #expect(try await held("first-renamed") == renamedFirst)
                #expect(try await held("shared-slug") == nil)
                try await ArticleProjection.remember(first, database: database, logger: logger)
                #expect(try await held("first-renamed") == renamedFirst, "an answer of posts overrode an event")

                // The second article takes the slug; an older event of the first cannot take it back.
                try await store(second, 2)
                #expect(try await held("shared-slug") == second)
                try await store(first, 0.5)
                #expect(try await held("shared-slug") == second)
                try await store(renamedFirst, 1)
                #expect(try await held("first-renamed") == renamedFirst)

                // A later event of the first with the slug (the second renamed meanwhile) takes it.
                try await store(first, 3)
                #expect(try await held("shared-slug") == first)

                // A deleted article is dropped and never remembered again.
                try await database.withConnection { connection in
                    _ = try await CommentRepository.forgetDeletedArticle(first.articleID, on: connection, logger: logger)
                    try await ArticleProjection.forget(first.articleID, on: connection, logger: logger)
                }
                #expect(try await held("shared-slug") == nil)
                try await ArticleProjection.remember(first, database: database, logger: logger)
                try await store(first, 4)
                #expect(try await held("shared-slug") == nil)
            }
        }
    }
}
