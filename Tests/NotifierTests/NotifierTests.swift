import Basics
import ConduitContract
import Events
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import Notifier

@Suite(.enabled(if: TestKafka.isAvailable && SMTPSink.isAvailable, "needs PostgreSQL, Tansu and aiosmtpd (scripts/test provides them)"))
struct NotifierTests {
    @Test func eachKindSendsOneEmailToTheRightPersonAndShowsInTheirFeed() async throws {
        try await NotifierWorld.run { world in
            let ann = world.user("ann")
            let bob = world.user("bob")
            let article = ArticleReference(articleID: UUID(), slug: "dragons", authorID: ann.userID, title: "Dragons")
            try await world.withNotifier { client in
                try await world.producer.publish(UserRegistered(user: ann))
                try await world.producer.publish(UserRegistered(user: bob))
                // Followed, unfollowed, followed again: one email.
                try await world.producer.publish(UserFollowed(follow: FollowRelation(followerID: bob.userID, followeeID: ann.userID)))
                try await world.producer.publish(UserUnfollowed(follow: FollowRelation(followerID: bob.userID, followeeID: ann.userID)))
                try await world.producer.publish(UserFollowed(follow: FollowRelation(followerID: bob.userID, followeeID: ann.userID)))
                try await world.producer.publish(CommentCreated(commentID: 1, on: article, authorID: bob.userID, body: "Nice"))
                try await world.producer.publish(CommentCreated(commentID: 2, on: article, authorID: ann.userID, body: "Thanks"))
                // Favorited, unfavorited, favorited again: one email.
                try await world.producer.publish(ArticleFavorited(article: article, userID: bob.userID))
                try await world.producer.publish(ArticleUnfavorited(article: article, userID: bob.userID))
                try await world.producer.publish(ArticleFavorited(article: article, userID: bob.userID))

                let emails = try await world.emails(atLeast: 5)
                #expect(emails.count == 5)
                #expect(Set(emails.compactMap(\.messageID)).count == 5)
                func sent(to user: UserProfile, _ subject: String) -> [ReceivedEmail] {
                    emails.filter { $0.recipient == user.email && $0.subject == subject }
                }
                #expect(sent(to: ann, "Welcome to Inkwell, \(ann.username)").count == 1)
                #expect(sent(to: bob, "Welcome to Inkwell, \(bob.username)").count == 1)
                #expect(sent(to: ann, "\(bob.username) started following you").count == 1)
                #expect(sent(to: ann, "\(bob.username) commented on Dragons").first?.body.contains("commented on your article \"Dragons\"") == true)
                #expect(sent(to: ann, "\(bob.username) favorited Dragons").count == 1)
                #expect(emails.allSatisfy { $0.header("From")?.contains("<no-reply@inkwell.local>") == true && $0.header("Date") != nil })

                let feed = try await client.send(.get, "/api/notifications", as: try await world.token(for: ann)).json(
                    MultipleNotificationsResponse.self)
                // Events of different topics arrive in any order; the feed is newest first.
                #expect(feed.notificationsCount == 4)
                #expect(Set(feed.notifications.map(\.kind)) == ["favorited", "commented", "followed", "welcome"])
                #expect(feed.notifications.map(\.createdAt) == feed.notifications.map(\.createdAt).sorted(by: >))
                #expect(feed.notifications.first { $0.kind == "favorited" }?.message == "\(bob.username) favorited Dragons")
                #expect(feed.notifications.allSatisfy { $0.email == "sent" })
                let page = try await client.send(.get, "/api/notifications?limit=2&offset=1", as: try await world.token(for: ann)).json(
                    MultipleNotificationsResponse.self)
                #expect(page.notifications == Array(feed.notifications[1...2]) && page.notificationsCount == 4)
                let bobs = try await client.send(.get, "/api/notifications", as: try await world.token(for: bob)).json(
                    MultipleNotificationsResponse.self)
                #expect(bobs.notifications.map(\.kind) == ["welcome"])
                #expect(try await client.send(.get, "/api/notifications").status == .unauthorized)
            }
        }
    }

    /// A safety net of five minutes and a bound of one: an email that arrives in time was woken by
    /// the notification's commit, not found by the slow poll.
    @Test func withASafetyNetOfFiveMinutesARecordedNotificationIsSentAtOnce() async throws {
        try await NotifierWorld.run { world in
            try await world.withNotifier(settings: ["NOTIFY_POLL_INTERVAL": "300"]) { _ in
                let ann = world.user("ann")
                try await world.producer.publish(UserRegistered(user: ann))
                // The first waits for the consumer to join its group (seconds on Tansu).
                #expect(try await world.emails(atLeast: 1, within: .seconds(240)).count == 1)
                // Now the sender is idle, waiting up to five minutes.
                let bob = world.user("bob")
                try await world.producer.publish(UserRegistered(user: bob))
                let woken = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) { try world.sink.messages().count == 2 }
                #expect(woken, "the second email is sent well before the safety net's five minutes")
                #expect(try world.sink.messages().contains { $0.recipient == bob.email })
            }
        }
    }

    @Test func namesCannotAddHeaders() async throws {
        try await NotifierWorld.run { world in
            var name = world.user("eve")
            name.username = "eve\r\nBcc: victim@example.com\r\nSubject: pwned"
            let eve = name
            try await world.withNotifier { _ in
                try await world.producer.publish(UserRegistered(user: eve))
                let emails = try await world.emails(atLeast: 1)
                #expect(emails.count == 1)
                let raw = try #require(emails.first?.raw)
                #expect(!raw.contains("\nBcc:") && !raw.contains("\nSubject: pwned"))
                #expect(emails.first?.subject == "Welcome to Inkwell, \(eve.username)")
            }
        }
    }

    @Test func whenTheSMTPServerIsDownForTenSecondsEveryEmailArrivesOnce() async throws {
        try await NotifierWorld.run { world in
            try await world.withNotifier { _ in
                await world.sink.stop()
                let users = (0..<20).map { world.user("down\($0)") }
                try await world.producer.publishAll(users.map { UserRegistered(user: $0) })
                try await Task.sleep(for: .seconds(10))
                try await world.sink.start()
                let emails = try await world.emails(atLeast: 20, within: .seconds(90))
                #expect(emails.count == 20)
                #expect(Set(emails.compactMap(\.recipient)) == Set(users.map(\.email)))
            }
        }
    }
}

/// The Notifier executable as separate processes, killed and run side by side.
@Suite(.serialized, .enabled(if: TestKafka.isAvailable && SMTPSink.isAvailable, "needs PostgreSQL, Tansu and aiosmtpd (scripts/test provides them)"))
struct NotifierProcessTests {
    @Test func killedInTheMiddleOfABurstItLosesNothingAndRepeatsAtMostTheOneInFlight() async throws {
        try await NotifierWorld.run { world in
            let first = try world.spawnNotifier()
            let users = (0..<1000).map { world.user("burst\($0)") }
            let emails: [ReceivedEmail]
            do {
                try await world.producer.publishAll(users.map { UserRegistered(user: $0) })
                _ = try await eventually(timeout: .seconds(120), every: .milliseconds(100)) { try world.sink.messages().count >= 300 }
            } catch {
                await first.terminate()
                throw error
            }
            await first.crash()
            let beforeRestart = try world.sink.messages().count
            #expect(beforeRestart < 1000, "the kill should land in the middle of the burst")
            let second = try world.spawnNotifier()
            do {
                // A restarted member may wait for the group to let go of the killed one.
                emails = try await world.emails(atLeast: 1000, within: .seconds(420))
            } catch {
                await second.terminate()
                throw error
            }
            await second.terminate()
            let ids = emails.compactMap(\.messageID)
            #expect(Set(emails.compactMap(\.recipient)) == Set(users.map(\.email)), "no email lost")
            #expect(ids.count - Set(ids).count <= 1, "at most the email in flight at the kill is sent twice")
        }
    }

    @Test func twoReplicasInOneGroupSendEachEmailOnce() async throws {
        try await NotifierWorld.run { world in
            let first = try world.spawnNotifier()
            let second = try world.spawnNotifier()
            let users = (0..<200).map { world.user("pair\($0)") }
            let emails: [ReceivedEmail]
            let settled: [ReceivedEmail]
            do {
                try await world.producer.publishAll(users.map { UserRegistered(user: $0) })
                emails = try await world.emails(atLeast: 200, within: .seconds(120))
                try await Task.sleep(for: .seconds(2))
                settled = try world.sink.messages()
            } catch {
                await first.terminate()
                await second.terminate()
                throw error
            }
            await first.terminate()
            await second.terminate()
            #expect(emails.count == 200)
            #expect(settled.count == 200)
            #expect(Set(settled.compactMap(\.recipient)) == Set(users.map(\.email)))
        }
    }
}
