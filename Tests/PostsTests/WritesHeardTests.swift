import Events
import Foundation
import Hummingbird
import TestSupport
import Testing

@testable import Posts

/// Every write that posts answers, on its public routes and its internal ones, was first heard by
/// every other replica that answers reads from memory (here a ``StandInReplica`` holding a lease):
/// what lets a writer's next read, on any replica, show the write.
@Suite(.enabled(if: TestKafka.isAvailable, "needs the test PostgreSQL and broker (scripts/test starts them)"))
struct WritesHeardTests {
    @Test func everyWriteIsAnsweredOnlyOnceTheOtherReplicasHeardIt() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user("author")
            let reader = try await posts.tokens.user("reader")
            let first = try await posts.create("Written before the other replica", by: author)
            try await StandInReplica.run(channel: ArticleViewAnnouncements.channel, configuration: posts.service.configuration.database) { replica in
                func heard(_ what: String, _ write: () async throws -> Bool) async throws {
                    let before = replica.barriers
                    #expect(try await write(), "\(what) failed")
                    #expect(replica.barriers > before, "\(what) was answered before the other replica heard it")
                }
                let slug = first.slug
                try await heard("creating an article") {
                    try await posts.send(.post, "/api/articles", as: author, json: Self.article).status == .created
                }
                try await heard("updating it") {
                    try await posts.send(.put, "/api/articles/\(slug)", as: author, json: #"{"article":{"body":"new"}}"#).status == .ok
                }
                try await heard("favoriting it") { try await posts.send(.post, "/api/articles/\(slug)/favorite", as: reader).status == .ok }
                try await heard("unfavoriting it") { try await posts.send(.delete, "/api/articles/\(slug)/favorite", as: reader).status == .ok }
                try await heard("a follow pushed by auth") {
                    try await posts.push(EventEnvelope(UserFollowed(follow: FollowRelation(followerID: reader.id, followeeID: author.id))))
                        == ["applied": true]
                }
                try await heard("deleting it") { try await posts.send(.delete, "/api/articles/\(slug)", as: author).status == .noContent }

                let before = replica.barriers
                #expect(try await posts.send(.get, "/api/articles", as: reader).status == .ok)
                #expect(replica.barriers == before, "a read waited for the other replicas")
            }
        }
    }

    static let article = #"{"article":{"title":"Written while another replica reads","description":"d","body":"b"}}"#
}
