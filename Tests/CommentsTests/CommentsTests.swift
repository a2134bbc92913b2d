import ConduitContract
import Events
import Foundation
import HTTPKit
import Hummingbird
import TestSupport
import Testing

@testable import Comments

@Suite(.enabled(if: TestKafka.isAvailable, "needs the test PostgreSQL and broker (scripts/test starts them)"))
struct CommentsTests {
    @Test func commentsAreCreatedListedNewestFirstAndDeletedByTheirAuthor() async throws {
        try await CommentsHarness.run { harness in
            let writer = try await harness.tokens.user("writer")
            let reader = try await harness.tokens.user("reader")
            let slug = try await harness.article("Talk about it", by: writer)

            let first = try await harness.comment("First!", on: slug, by: reader)
            #expect(first.body == "First!")
            #expect(first.author == Profile(username: reader.username, bio: "", image: "", following: false))
            #expect(first.createdAt.wholeMatch(of: #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/#) != nil)
            let second = try await harness.comment("Second, and longer: " + String(repeating: "é", count: 300), on: slug, by: writer)

            let listed = try #require(try await harness.send(.get, "/api/articles/\(slug)/comments").comments)
            #expect(listed.map(\.id) == [second.id, first.id])

            let created = try await harness.events(CommentCreated.self)
            #expect(created.count == 2)
            #expect(created.first?.articleSlug == slug)
            #expect(created.first?.articleAuthorID == writer.id)
            #expect(created.first?.articleTitle.hasPrefix("Talk about it ") == true)
            #expect(created.first?.authorID == reader.id)
            #expect(created.last?.excerpt.count == 200)

            #expect(try await harness.send(.delete, "/api/articles/\(slug)/comments/\(first.id)", as: writer).status == .forbidden)
            #expect(try await harness.send(.delete, "/api/articles/\(slug)/comments/\(first.id)").status == .unauthorized)
            #expect(try await harness.send(.delete, "/api/articles/\(slug)/comments/abc", as: reader).status == .notFound)
            #expect(try await harness.send(.delete, "/api/articles/\(slug)/comments/999999", as: reader).errors == ["comment": ["not found"]])
            let otherSlug = try await harness.article("Another one", by: writer)
            #expect(try await harness.send(.delete, "/api/articles/\(otherSlug)/comments/\(first.id)", as: reader).status == .notFound)

            #expect(try await harness.send(.delete, "/api/articles/\(slug)/comments/\(first.id)", as: reader).status == .noContent)
            #expect(try await harness.send(.get, "/api/articles/\(slug)/comments").comments?.map(\.id) == [second.id])
            #expect(try await harness.events(CommentDeleted.self).map(\.commentID) == [first.id])
        }
    }

    @Test func badCommentsAndUnknownArticlesAreConduitErrors() async throws {
        try await CommentsHarness.run { harness in
            let user = try await harness.tokens.user()
            let slug = try await harness.article("Strict", by: user)
            let blank = try await harness.send(.post, "/api/articles/\(slug)/comments", as: user, json: #"{"comment":{"body":"  "}}"#)
            #expect(blank.status == .unprocessableContent)
            #expect(blank.errors == ["body": ["can't be blank"]])
            let long = try await harness.send(
                .post, "/api/articles/\(slug)/comments", as: user, json: #"{"comment":{"body":"\#(String(repeating: "x", count: 10_001))"}}"#)
            #expect(long.errors == ["body": ["is too long (maximum is 10000 characters)"]])
            let missing = try await harness.send(.post, "/api/articles/\(slug)/comments", as: user, json: #"{"comment":{}}"#)
            #expect(missing.errors == ["body": ["can't be blank"]])
            #expect(try await harness.send(.post, "/api/articles/\(slug)/comments", json: #"{"comment":{"body":"hi"}}"#).status == .unauthorized)

            let nowhere = try await harness.send(.get, "/api/articles/no-such-article/comments")
            #expect(nowhere.status == .notFound)
            #expect(nowhere.errors == ["article": ["not found"]])
            #expect(
                try await harness.send(.post, "/api/articles/no-such-article/comments", as: user, json: #"{"comment":{"body":"hi"}}"#).status
                    == .notFound)
            #expect(try await harness.events(CommentCreated.self).isEmpty)
        }
    }

    @Test func whenPostsCannotBeReachedCommentRoutesOfArticlesNotKnownYetAnswer503AndRecover() async throws {
        try await CommentsHarness.run { harness in
            let user = try await harness.tokens.user()
            // Posts cut off before the article's event can arrive: comments knows nothing of it.
            harness.postsProxy.cut()
            let slug = try await harness.article("Fragile", by: user)
            for (method, json) in [(HTTPRequest.Method.get, nil), (.post, #"{"comment":{"body":"During"}}"#)] {
                let reply = try await withDeadline(.seconds(20), "the answer while posts is away") {
                    try await harness.send(method, "/api/articles/no-such-\(slug)/comments", as: user, json: json)
                }
                #expect(reply.status == .serviceUnavailable)
                #expect(reply.errors["body"]?.first?.contains("posts service is unavailable") == true, "\(reply.text)")
            }

            harness.postsProxy.restore()
            _ = try await harness.comment("After", on: slug, by: user)
            #expect(try await harness.send(.get, "/api/articles/\(slug)/comments").comments?.count == 1)
        }
    }

    @Test func aPostsThatNeverAnswersCostsAtMostTheDeadline() async throws {
        // Something that accepts connections and never answers: every attempt times out.
        let silent = try await SilentServer()
        try await CommentsHarness.run(postsURL: "http://127.0.0.1:\(silent.port)") { harness in
            let reply = try await withDeadline(.seconds(20), "the answer while posts hangs") {
                try await harness.send(.get, "/api/articles/anything/comments")
            }
            #expect(reply.status == .serviceUnavailable)
        }
        await silent.close()
    }

    @Test func deletingAnArticleRemovesItsCommentsThroughTheEvent() async throws {
        try await CommentsHarness.run { harness in
            let writer = try await harness.tokens.user("writer")
            let slug = try await harness.article("Short lived", by: writer)
            let kept = try await harness.article("Long lived", by: writer)
            for n in 1...3 { _ = try await harness.comment("Comment \(n)", on: slug, by: writer) }
            _ = try await harness.comment("Stays", on: kept, by: writer)

            #expect(try await harness.posts.send(.delete, "/api/articles/\(slug)", as: writer).status == .noContent)
            #expect(try await eventually(timeout: .seconds(120)) { try await harness.storedComments() == 1 })
            #expect(try await harness.send(.get, "/api/articles/\(slug)/comments").status == .notFound)
            let keptComments = try await harness.send(.get, "/api/articles/\(kept)/comments")
            #expect(keptComments.comments?.count == 1, "\(keptComments.status): \(keptComments.text)")
        }
    }

    @Test func aRenameAndAFollowReachExistingComments() async throws {
        try await CommentsHarness.run { harness in
            let writer = try await harness.tokens.user("writer")
            let reader = try await harness.tokens.user("reader")
            let slug = try await harness.article("Renames", by: writer)
            _ = try await harness.comment("Hello", on: slug, by: writer)

            let renamed = "renamed_\(UUID().uuidString.prefix(6).lowercased())"
            try await harness.producer.publish(
                UserUpdated(user: UserProfile(userID: writer.id, username: renamed, email: "w@example.com", bio: "new bio", image: nil)))
            try await harness.producer.publish(UserFollowed(follow: FollowRelation(followerID: reader.id, followeeID: writer.id)))
            #expect(
                try await eventually(timeout: .seconds(120)) {
                    let author = try await harness.send(.get, "/api/articles/\(slug)/comments", as: reader).comments?.first?.author
                    return author == Profile(username: renamed, bio: "new bio", image: "", following: true)
                })
            #expect(try await harness.send(.get, "/api/articles/\(slug)/comments").comments?.first?.author.following == false)
        }
    }
}
