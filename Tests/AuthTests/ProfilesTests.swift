import Authentication
import ConduitContract
import Events
import Foundation
import HTTPKit
import Hummingbird
import TestSupport
import Testing

@testable import Auth

@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct ProfilesTests {
    @Test func aProfileIsPublicAndSaysWhetherTheCallerFollows() async throws {
        try await AuthHarness.run { auth in
            let celeb = try await auth.signUp("celeb")
            let fan = try await auth.signUp("fan")

            let anonymous = try await auth.send(.get, "/api/profiles/\(celeb.username)")
            #expect(anonymous.status == .ok)
            #expect(try anonymous.json(ProfileBody.self).profile == Profile(username: celeb.username, bio: "", image: "", following: false))

            let followed = try await auth.send(.post, "/api/profiles/\(celeb.username)/follow", token: fan.token)
            #expect(followed.status == .ok)
            #expect(try followed.json(ProfileBody.self).profile.following)

            let asFan = try await auth.send(.get, "/api/profiles/\(celeb.username)", token: fan.token)
            #expect(try asFan.json(ProfileBody.self).profile.following)
            let stillAnonymous = try await auth.send(.get, "/api/profiles/\(celeb.username)")
            #expect(try !stillAnonymous.json(ProfileBody.self).profile.following)

            let unfollowed = try await auth.send(.delete, "/api/profiles/\(celeb.username)/follow", token: fan.token)
            #expect(unfollowed.status == .ok)
            #expect(try !unfollowed.json(ProfileBody.self).profile.following)
            let afterwards = try await auth.send(.get, "/api/profiles/\(celeb.username)", token: fan.token)
            #expect(try !afterwards.json(ProfileBody.self).profile.following)
        }
    }

    @Test func followingWritesOneEventPerChangeOfTheRelation() async throws {
        try await AuthHarness.run { auth in
            let celeb = try await auth.signUp("celeb")
            let fan = try await auth.signUp("fan")
            let fanID = try await auth.signingKeyCollection().verify(fan.token, as: AccessTokenClaims.self).userID
            let celebID = try await auth.signingKeyCollection().verify(celeb.token, as: AccessTokenClaims.self).userID

            for _ in 0..<2 { try await auth.send(.post, "/api/profiles/\(celeb.username)/follow", token: fan.token) }
            for _ in 0..<2 { try await auth.send(.delete, "/api/profiles/\(celeb.username)/follow", token: fan.token) }

            let relation = FollowRelation(followerID: try #require(fanID), followeeID: try #require(celebID))
            #expect(try await auth.events(UserFollowed.self) == [UserFollowed(follow: relation)])
            #expect(try await auth.events(UserUnfollowed.self) == [UserUnfollowed(follow: relation)])
        }
    }

    @Test func unknownProfilesAre404sAndFollowingYourselfIsA422() async throws {
        try await AuthHarness.run { auth in
            let me = try await auth.signUp("me")
            let missing = try await auth.send(.get, "/api/profiles/nobody_here")
            #expect(missing.status == .notFound)
            #expect(missing.errors == ["profile": ["not found"]])
            let followMissing = try await auth.send(.post, "/api/profiles/nobody_here/follow", token: me.token)
            #expect(followMissing.status == .notFound)

            let myself = try await auth.send(.post, "/api/profiles/\(me.username)/follow", token: me.token)
            #expect(myself.status == .unprocessableContent)
            #expect(myself.errors == ["username": ["you cannot follow yourself"]])

            let anonymous = try await auth.send(.post, "/api/profiles/\(me.username)/follow")
            #expect(anonymous.status == .unauthorized)
            let badToken = try await auth.send(.get, "/api/profiles/\(me.username)", token: me.token + "x")
            #expect(badToken.status == .unauthorized)
            #expect(try await auth.events(UserFollowed.self).isEmpty)
        }
    }
}
