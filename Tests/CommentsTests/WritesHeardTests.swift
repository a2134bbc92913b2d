import Events
import Foundation
import Hummingbird
import TestSupport
import Testing

@testable import Comments

/// Every write that comments answers, on its public routes and its internal ones, was first heard
/// by every other replica that answers reads from memory (here a ``StandInReplica`` holding a
/// lease): what lets a writer's next read, on any replica, show the write.
@Suite(.enabled(if: TestKafka.isAvailable, "needs the test PostgreSQL and broker (scripts/test starts them)"))
struct WritesHeardTests {
    @Test func everyWriteIsAnsweredOnlyOnceTheOtherReplicasHeardIt() async throws {
        try await CommentsHarness.run { comments in
            let author = try await comments.tokens.user("author")
            let reader = try await comments.tokens.user("reader")
            let slug = try await comments.article("Commented while another replica reads", by: author)
            _ = try await comments.comment("Before the other replica", on: slug, by: author)
            try await StandInReplica.run(channel: CommentViewAnnouncements.channel, configuration: comments.service.configuration.database) {
                replica in
                func heard(_ what: String, _ write: () async throws -> Bool) async throws {
                    let before = replica.barriers
                    #expect(try await write(), "\(what) failed")
                    #expect(replica.barriers > before, "\(what) was answered before the other replica heard it")
                }
                var id: Int64 = 0
                try await heard("commenting") {
                    id = try await comments.comment("While the other replica reads", on: slug, by: reader).id
                    return true
                }
                try await heard("deleting the comment") {
                    try await comments.send(.delete, "/api/articles/\(slug)/comments/\(id)", as: reader).status == .noContent
                }
                try await heard("a follow pushed by auth") {
                    try await comments.push(EventEnvelope(UserFollowed(follow: FollowRelation(followerID: reader.id, followeeID: author.id)))) == 200
                }
            }
        }
    }
}
