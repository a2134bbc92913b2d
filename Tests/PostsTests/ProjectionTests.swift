import Events
import Foundation
import Hummingbird
import Kafka
import TestSupport
import Testing

@testable import Posts

/// Authors and follows come from `user.*` events on the real broker, in any order with the
/// articles' own writes.
@Suite(.enabled(if: TestKafka.isAvailable, "needs the test PostgreSQL and broker (scripts/test starts them)"))
struct ProjectionTests {
    // A consumer group's first join and the events' way through the broker: generous, for a busy machine.
    static let patience = Duration.seconds(120)

    @Test func anArticleBeforeItsAuthorsEventRendersAndTheEventsFillItIn() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user("early")
            let article = try await posts.create("Before the author", by: author)
            #expect(article.author.username == author.username)

            let profile = UserProfile(
                userID: author.id, username: author.username, email: "e@example.com", bio: "I was here first", image: "https://example.com/e.png")
            try await posts.producer.publish(UserRegistered(user: profile))
            #expect(
                try await eventually(timeout: Self.patience) {
                    try await posts.send(.get, "/api/articles/\(article.slug)").article?.author.bio == "I was here first"
                })

            var renamed = profile
            renamed.username = "renamed_\(UUID().uuidString.prefix(6).lowercased())"
            try await posts.producer.publish(UserUpdated(user: renamed))
            #expect(
                try await eventually(timeout: Self.patience) {
                    try await posts.send(.get, "/api/articles/\(article.slug)").article?.author.username == renamed.username
                })
            #expect(try await posts.send(.get, "/api/articles?author=\(renamed.username)").list?.articlesCount == 1)
            #expect(try await posts.send(.get, "/api/articles?author=\(author.username)").list?.articlesCount == 0)
            #expect(try await posts.send(.get, "/api/articles").list?.articles.first?.author.image == "https://example.com/e.png")

            // An event older than what the row shows changes nothing.
            var stale = profile
            stale.username = "stale_name"
            try await posts.producer.publish(UserUpdated(user: stale), occurredAt: Date().addingTimeInterval(-3600))
            try await posts.producer.publish(UserUpdated(user: renamed))
            try await Task.sleep(for: .seconds(2))
            #expect(try await posts.send(.get, "/api/articles/\(article.slug)").article?.author.username == renamed.username)
        }
    }

    @Test func theFeedAndFollowingFollowTheFollowEvents() async throws {
        try await PostsHarness.run { posts in
            let writer = try await posts.tokens.user("writer")
            let reader = try await posts.tokens.user("reader")
            let article = try await posts.create("For my followers", by: writer)
            _ = try await posts.create("By someone else", by: try await posts.tokens.user("stranger"))

            let empty = try #require(try await posts.send(.get, "/api/articles/feed", as: reader).list)
            #expect(empty.articles.isEmpty && empty.articlesCount == 0)
            #expect(try await posts.send(.get, "/api/articles/feed").status == .unauthorized)

            try await posts.producer.publish(UserFollowed(follow: FollowRelation(followerID: reader.id, followeeID: writer.id)))
            #expect(
                try await eventually(timeout: Self.patience) {
                    try await posts.send(.get, "/api/articles/feed", as: reader).list?.articles.map(\.slug) == [article.slug]
                })
            let feed = try #require(try await posts.send(.get, "/api/articles/feed", as: reader).list)
            #expect(feed.articlesCount == 1)
            #expect(feed.articles.first?.author.following == true)
            #expect(try await posts.send(.get, "/api/articles/\(article.slug)", as: reader).article?.author.following == true)
            #expect(try await posts.send(.get, "/api/articles/\(article.slug)", as: writer).article?.author.following == false)

            try await posts.producer.publish(UserUnfollowed(follow: FollowRelation(followerID: reader.id, followeeID: writer.id)))
            #expect(
                try await eventually(timeout: Self.patience) {
                    try await posts.send(.get, "/api/articles/feed", as: reader).list?.articlesCount == 0
                })
        }
    }

    /// What auth pushes as it answers (read-your-writes for the user who acted): applied before the
    /// push is answered, once however often it comes, and never undone by an older event.
    @Test func pushedFollowsApplyAtOnceAndOlderEventsNeverUndoNewerOnes() async throws {
        try await PostsHarness.run { posts in
            let writer = try await posts.tokens.user("pushedwriter")
            let reader = try await posts.tokens.user("pushedreader")
            let article = try await posts.create("Pushed to my readers", by: writer)
            let relation = FollowRelation(followerID: reader.id, followeeID: writer.id)
            let start = Date()
            let follow = EventEnvelope(UserFollowed(follow: relation), occurredAt: start)
            let unfollow = EventEnvelope(UserUnfollowed(follow: relation), occurredAt: start.addingTimeInterval(1))

            #expect(try await posts.push(follow) == ["applied": true])
            #expect(try await posts.send(.get, "/api/articles/\(article.slug)", as: reader).article?.author.following == true)
            #expect(try await posts.send(.get, "/api/articles/feed", as: reader).list?.articles.map(\.slug) == [article.slug])
            #expect(try await posts.push(follow) == ["applied": false], "a second push of the same event changes nothing")

            #expect(try await posts.push(unfollow) == ["applied": true])
            #expect(try await posts.send(.get, "/api/articles/\(article.slug)", as: reader).article?.author.following == false)
            #expect(try await posts.send(.get, "/api/articles/feed", as: reader).list?.articlesCount == 0)

            // An older follow that was never pushed (its push failed) arrives after the newer unfollow: it is recorded, and
            // changes nothing. The broker's copies of the pushed events are duplicates. A later event of the same key, on the
            // same partition, says when the consumer is past them.
            let older = EventEnvelope(UserFollowed(follow: relation), occurredAt: start.addingTimeInterval(0.5))
            for envelope in [older, follow] {
                _ = try await posts.producer.send(
                    KafkaOutgoingMessage(topic: EventTopic.users.rawValue, key: UserFollowed(follow: relation).key, value: try envelope.encoded()))
            }
            _ = try await posts.producer.send(
                KafkaOutgoingMessage(topic: EventTopic.users.rawValue, key: UserFollowed(follow: relation).key, value: try unfollow.encoded()))
            let readersOwn = try await posts.create("The reader writes too", by: reader)
            let profile = UserProfile(userID: reader.id, username: reader.username, email: "r@example.com", bio: "after the follows", image: nil)
            try await posts.producer.publish(UserUpdated(user: profile), occurredAt: start.addingTimeInterval(2))
            #expect(
                try await eventually(timeout: Self.patience) {
                    try await posts.send(.get, "/api/articles/\(readersOwn.slug)").article?.author.bio == "after the follows"
                })
            #expect(try await posts.send(.get, "/api/articles/\(article.slug)", as: reader).article?.author.following == false)
            #expect(try await posts.send(.get, "/api/articles/feed", as: reader).list?.articlesCount == 0)

            // Follows are all that is pushed here; garbage and other events are refused.
            let foreign = EventEnvelope(ArticleDeleted(article: ArticleReference(articleID: UUID(), slug: "x", authorID: writer.id, title: "x")))
            #expect(try await posts.pushRaw(try foreign.encoded()).status == 422)
            #expect(try await posts.pushRaw(Array("not an envelope".utf8)).status == 400)
        }
    }
}
