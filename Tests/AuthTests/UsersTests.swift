import Foundation
import Hummingbird
import JWTKit
import TestSupport
import Testing

@testable import Auth
@testable import Authentication
@testable import Events

@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct UsersTests {
    @Test func registrationReturns201WithATokenAndWritesUserRegistered() async throws {
        try await AuthHarness.run { auth in
            let reply = try await auth.send(
                .post, "/api/users", json: #"{"user":{"username":"jake","email":"Jake@Example.com","password":"jakejakejake","extra":1}}"#)
            #expect(reply.status == .created)
            let user = try reply.json(UserBody.self).user
            #expect(user.username == "jake")
            #expect(user.email == "Jake@Example.com")
            #expect(user.bio == "" && user.image == "")
            #expect(!reply.text.contains("password"))

            let claims = try await auth.signingKeyCollection().verify(user.token, as: AccessTokenClaims.self)
            #expect(claims.username == "jake")
            #expect(claims.exp.value.timeIntervalSince(claims.iat.value) == 86400)

            let events = try await auth.events(UserRegistered.self)
            #expect(events.count == 1)
            #expect(events.first?.user.username == "jake")
            #expect(events.first?.user.email == "Jake@Example.com")
            #expect(events.first?.user.userID == claims.userID)
        }
    }

    @Test(arguments: [
        (#"{"user":{"email":"a@b.co","password":"12345678"}}"#, ["username": ["can't be blank"]]),
        (
            #"{"user":{"username":"","email":"","password":""}}"#,
            ["username": ["can't be blank"], "email": ["can't be blank"], "password": ["can't be blank"]]
        ),
        (
            #"{"user":{"username":"a b","email":"not-an-email","password":"short"}}"#,
            [
                "username": ["may contain only letters, digits, '_', '-' and '.'"], "email": ["is invalid"],
                "password": ["is too short (minimum is 8 characters)"],
            ]
        ),
        (#"{"user":{"username":42,"email":"a@b.co","password":"12345678"}}"#, ["username": ["must be a string"]]),
        (
            #"{"user":{"username":"ok","email":"a@b.co","password":"\#(String(repeating: "x", count: 73))"}}"#,
            ["password": ["is too long (maximum is 72 bytes)"]]
        ),
        (
            #"{"user":{"username":"\#(String(repeating: "x", count: 41))","email":"a@b.co","password":"12345678"}}"#,
            ["username": ["is too long (maximum is 40 characters)"]]
        ),
    ])
    func invalidRegistrationsAre422sNamingTheFieldsAndWriteNoEvent(body: String, expected: [String: [String]]) async throws {
        try await AuthHarness.run { auth in
            let reply = try await auth.send(.post, "/api/users", json: body)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errors == expected)
            #expect(try await auth.outboxCount() == 0)
        }
    }

    @Test func takenEmailsAndUsernamesAre422sCaseInsensitively() async throws {
        try await AuthHarness.run { auth in
            let first = try await auth.signUp("taken")
            let reply = try await auth.send(
                .post, "/api/users",
                json: #"{"user":{"username":"\#(first.username.uppercased())","email":"\#(first.email.uppercased())","password":"12345678"}}"#
            )
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errors == ["email": ["has already been taken"], "username": ["has already been taken"]])
            #expect(try await auth.events(UserRegistered.self).count == 1)
        }
    }

    @Test(arguments: ["email", "username"])
    func ofTwoConcurrentRegistrationsOfTheSameNameExactlyOneSucceeds(shared: String) async throws {
        try await AuthHarness.run { auth in
            for round in 0..<5 {
                let common = "race\(round)\(UUID().uuidString.prefix(6).lowercased())"
                func body(_ n: Int) -> String {
                    let username = shared == "username" ? common : "\(common)_\(n)"
                    let email = shared == "email" ? "\(common)@example.com" : "\(common)_\(n)@example.com"
                    return #"{"user":{"username":"\#(username)","email":"\#(email)","password":"12345678"}}"#
                }
                async let first = auth.send(.post, "/api/users", json: body(1))
                async let second = auth.send(.post, "/api/users", json: body(2))
                let replies = try await [first, second]
                #expect(replies.filter { $0.status == .created }.count == 1)
                let loser = try #require(replies.first { $0.status != .created })
                #expect(loser.status == .unprocessableContent)
                #expect(loser.errors == [shared: ["has already been taken"]])
            }
            #expect(try await auth.events(UserRegistered.self).count == 5)
        }
    }

    @Test func loginChecksThePasswordAndIgnoresTheEmailsCase() async throws {
        try await AuthHarness.run { auth in
            let user = try await auth.signUp("login")
            let ok = try await auth.send(
                .post, "/api/users/login", json: #"{"user":{"email":"\#(user.email.uppercased())","password":"\#(user.password)"}}"#)
            #expect(ok.status == .ok)
            #expect(try ok.json(UserBody.self).user.username == user.username)

            let wrong = try await auth.send(.post, "/api/users/login", json: #"{"user":{"email":"\#(user.email)","password":"wrong password"}}"#)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errors == ["email or password": ["is invalid"]])

            let unknown = try await auth.send(.post, "/api/users/login", json: #"{"user":{"email":"nobody@example.com","password":"whatever1"}}"#)
            #expect(unknown.status == .unauthorized)
            #expect(unknown.errors == wrong.errors)

            let blank = try await auth.send(.post, "/api/users/login", json: #"{"user":{"email":"","password":""}}"#)
            #expect(blank.status == .unprocessableContent)
            #expect(blank.errors == ["email": ["can't be blank"], "password": ["can't be blank"]])

            let missing = try await auth.send(.post, "/api/users/login", json: #"{"user":{"email":"a@b.co"}}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(missing.errors == ["password": ["can't be blank"]])
        }
    }

    @Test func theCurrentUserNeedsAValidTokenInEitherScheme() async throws {
        try await AuthHarness.run { auth in
            let user = try await auth.signUp("current")
            for scheme in ["Token", "Bearer", "token"] {
                let reply = try await auth.send(.get, "/api/user", token: user.token, scheme: scheme)
                #expect(reply.status == .ok)
                let body = try reply.json(UserBody.self).user
                #expect(body.username == user.username && body.token == user.token)
            }
            let anonymous = try await auth.send(.get, "/api/user")
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.errors["token"]?.first?.contains("missing token") == true)

            let basic = try await auth.send(.get, "/api/user", token: "dXNlcjpwYXNz", scheme: "Basic")
            #expect(basic.status == .unauthorized)
            let garbage = try await auth.send(.get, "/api/user", token: "not.a.token")
            #expect(garbage.status == .unauthorized)
        }
    }

    @Test func updatingTheUserChangesItsFieldsAndWritesTheFullNewProfile() async throws {
        try await AuthHarness.run { auth in
            let user = try await auth.signUp("update")
            let newName = user.username + "_2"
            let reply = try await auth.send(
                .put, "/api/user", token: user.token,
                json: #"{"user":{"username":"\#(newName)","bio":"I work at statefarm","image":"https://example.com/me.png"}}"#
            )
            #expect(reply.status == .ok)
            let updated = try reply.json(UserBody.self).user
            #expect(updated.username == newName)
            #expect(updated.bio == "I work at statefarm")
            #expect(updated.image == "https://example.com/me.png")
            #expect(updated.email == user.email)
            #expect(updated.token != user.token)
            let claims = try await auth.signingKeyCollection().verify(updated.token, as: AccessTokenClaims.self)
            #expect(claims.username == newName)

            let events = try await auth.events(UserUpdated.self)
            #expect(events.count == 1)
            #expect(events.first?.user.username == newName)
            #expect(events.first?.user.bio == "I work at statefarm")
            #expect(events.first?.user.email == user.email)

            // The same values again change nothing and write nothing.
            let again = try await auth.send(.put, "/api/user", token: updated.token, json: #"{"user":{"bio":"I work at statefarm"}}"#)
            #expect(again.status == .ok)
            #expect(try await auth.events(UserUpdated.self).count == 1)
        }
    }

    @Test func aNewPasswordWorksForLoginAndTheOldOneNoLonger() async throws {
        try await AuthHarness.run { auth in
            let user = try await auth.signUp("password")
            let reply = try await auth.send(.put, "/api/user", token: user.token, json: #"{"user":{"password":"a brand new password"}}"#)
            #expect(reply.status == .ok)
            let old = try await auth.send(.post, "/api/users/login", json: #"{"user":{"email":"\#(user.email)","password":"\#(user.password)"}}"#)
            #expect(old.status == .unauthorized)
            let new = try await auth.send(.post, "/api/users/login", json: #"{"user":{"email":"\#(user.email)","password":"a brand new password"}}"#)
            #expect(new.status == .ok)
            // Other services learn only that earlier tokens are revoked.
            let events = try await auth.events(UserUpdated.self)
            #expect(events.count == 1)
            #expect(events.first?.user.tokensValidAfter != nil)
        }
    }

    @Test func invalidOrTakenUpdatesAre422sAndWriteNoEvent() async throws {
        try await AuthHarness.run { auth in
            let first = try await auth.signUp("first")
            let second = try await auth.signUp("second")
            let taken = try await auth.send(
                .put, "/api/user", token: second.token, json: #"{"user":{"username":"\#(first.username)","email":"\#(first.email)"}}"#)
            #expect(taken.status == .unprocessableContent)
            #expect(taken.errors == ["username": ["has already been taken"], "email": ["has already been taken"]])

            let invalid = try await auth.send(
                .put, "/api/user", token: second.token, json: #"{"user":{"username":"","email":"nope","image":"javascript:alert(1)"}}"#)
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.errors == ["username": ["can't be blank"], "email": ["is invalid"], "image": ["must be an http or https URL"]])

            let wrongType = try await auth.send(.put, "/api/user", token: second.token, json: #"{"user":{"bio":5}}"#)
            #expect(wrongType.status == .unprocessableContent)
            #expect(wrongType.errors == ["bio": ["must be a string"]])

            let anonymous = try await auth.send(.put, "/api/user", json: #"{"user":{"bio":"x"}}"#)
            #expect(anonymous.status == .unauthorized)
            #expect(try await auth.events(UserUpdated.self).isEmpty)
        }
    }

    @Test func theKeySetPublishesTheKeyThatSignsTokens() async throws {
        try await AuthHarness.run { auth in
            let user = try await auth.signUp("keys")
            let reply = try await auth.send(.get, "/.well-known/jwks.json")
            #expect(reply.status == .ok)
            let jwks = try reply.json(JWKS.self)
            #expect(jwks.keys.count == 1)
            let header = try #require(Data(base64URLEncoded: user.token.split(separator: ".")[0]))
            let kid = try JSONDecoder().decode([String: String].self, from: header)["kid"]
            #expect(jwks.keys.first?.keyIdentifier?.string == kid)
            #expect(jwks.keys.first?.algorithm == .es256)

            // The published key alone verifies the token.
            let keys = JWTKeyCollection()
            try await keys.add(jwks: jwks)
            let claims = try await keys.verify(user.token, as: AccessTokenClaims.self)
            #expect(claims.username == user.username)
        }
    }
}

extension AuthHarness {
    /// Verifies with the harness's own copy of the signing key.
    func signingKeyCollection() async -> JWTKeyCollection {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: signingKey.publicKey)
        return keys
    }
}
