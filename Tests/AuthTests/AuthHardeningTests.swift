import Authentication
import Events
import Foundation
import Hummingbird
import JWTKit
import Logging
import TestSupport
import Testing

@testable import Auth

@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct AuthHardeningTests {
    func login(_ auth: AuthHarness, _ email: String, _ password: String) async throws -> Reply {
        try await auth.send(.post, "/api/users/login", json: #"{"user":{"email":"\#(email)","password":"\#(password)"}}"#)
    }

    /// A lock far longer than any test runs, so that no verdict depends on how fast the machine is;
    /// "after the wait" is made by moving the lock into the past.
    static let slowLocks = ["LOGIN_FREE_FAILURES": "3", "LOGIN_FIRST_LOCK": "600"]

    @Test func repeatedFailedLoginsLockTheAccountWithA429AndRetryAfterAndTheRightPasswordWorksAfterTheWait() async throws {
        try await AuthHarness.run(environment: Self.slowLocks) { auth in
            let user = try await auth.signUp("guessed")
            for _ in 0..<4 {
                #expect(try await login(auth, user.email, "wrong password").status == .unauthorized)
            }
            // Locked now, for the right password too, and whatever the email's case.
            let locked = try await login(auth, user.email.uppercased(), user.password)
            #expect(locked.status == .tooManyRequests)
            let retryAfter = try #require(locked.headers[.retryAfter].flatMap(Int.init))
            #expect((1...600).contains(retryAfter))
            #expect(locked.errors["email"]?.first?.contains("too many failed logins") == true)

            _ = try await auth.database.query("UPDATE login_throttle SET locked_until = now() - interval '1 second'", logger: Logger(label: "test"))
            #expect(try await login(auth, user.email, user.password).status == .ok)
            // A success clears the count: the next failure is an ordinary 401 again.
            #expect(try await login(auth, user.email, "wrong again").status == .unauthorized)
            #expect(try await login(auth, user.email, user.password).status == .ok)
        }
    }

    @Test func anUnknownEmailIsThrottledAlikeSoThrottlingTellsNothing() async throws {
        try await AuthHarness.run(environment: Self.slowLocks) { auth in
            for _ in 0..<4 {
                #expect(try await login(auth, "nobody@example.com", "whatever1").status == .unauthorized)
            }
            #expect(try await login(auth, "nobody@example.com", "whatever1").status == .tooManyRequests)
            // Another account is not affected.
            let other = try await auth.signUp("other")
            #expect(try await login(auth, other.email, other.password).status == .ok)
        }
    }

    @Test func theLockDoublesWithEachFurtherFailureUpToTheLongest() async throws {
        try await AuthHarness.run(environment: ["LOGIN_FREE_FAILURES": "1", "LOGIN_FIRST_LOCK": "100", "LOGIN_LONGEST_LOCK": "300"]) { auth in
            let logger = Logger(label: "test")
            /// Lifts the lock (as waiting would), fails once more, and reads the new lock's length.
            func failAndReadLock() async throws -> Double? {
                _ = try await auth.database.query("UPDATE login_throttle SET locked_until = NULL", logger: logger)
                #expect(try await login(auth, "locked@example.com", "bad password").status == .unauthorized)
                let rows = try await auth.database.query(
                    "SELECT round(extract(epoch FROM locked_until - last_failure_at))::float8 FROM login_throttle", logger: logger
                )
                for try await seconds in rows.decode(Double?.self) { return seconds }
                return nil
            }
            var locks: [Double?] = []
            for _ in 0..<5 { locks.append(try await failAndReadLock()) }
            #expect(locks == [nil, 100, 200, 300, 300])
        }
    }

    @Test func changingThePasswordOrEmailRevokesEarlierTokensAndGivesANewOne() async throws {
        try await AuthHarness.run { auth in
            let user = try await auth.signUp("revoker")
            let changed = try await auth.send(.put, "/api/user", token: user.token, json: #"{"user":{"password":"another long password"}}"#)
            #expect(changed.status == .ok)
            let newToken = try changed.json(UserBody.self).user.token
            #expect(newToken != user.token)

            let old = try await auth.send(.get, "/api/user", token: user.token)
            #expect(old.status == .unauthorized)
            #expect(old.errors["token"]?.first?.contains("revoked") == true)
            #expect(try await auth.send(.get, "/api/user", token: newToken).status == .ok)

            let event = try #require(try await auth.events(UserUpdated.self).last)
            #expect(event.user.tokensValidAfter != nil)

            // A new email revokes too; a new bio does not.
            let bio = try await auth.send(.put, "/api/user", token: newToken, json: #"{"user":{"bio":"still me"}}"#)
            #expect(try bio.json(UserBody.self).user.token == newToken)
            let email = try await auth.send(
                .put, "/api/user", token: newToken, json: #"{"user":{"email":"moved.\#(UUID().uuidString.prefix(6))@example.com"}}"#)
            let third = try email.json(UserBody.self).user.token
            #expect(third != newToken)
            #expect(try await auth.send(.get, "/api/user", token: newToken).status == .unauthorized)
            #expect(try await auth.send(.get, "/api/user", token: third).status == .ok)
        }
    }

    @Test func tokensNameInkwellAsIssuerAndAudience() async throws {
        try await AuthHarness.run { auth in
            let user = try await auth.signUp("claims")
            let claims = try await auth.signingKeyCollection().verify(user.token, as: AccessTokenClaims.self)
            #expect(claims.iss.value == "inkwell-auth")
            #expect(claims.aud.value == ["inkwell-api"])
        }
    }

    @Test(arguments: [
        (#"{"user":{"username":"nul","email":"a\u0000@b.co","password":"12345678"}}"#, "email"),
        (#"{"user":{"username":"nul2","email":"a@b.co","password":"1234\u00005678"}}"#, "password"),
    ])
    func aNullCharacterAnywhereInARegistrationIsA422(body: String, field: String) async throws {
        try await AuthHarness.run { auth in
            let reply = try await auth.send(.post, "/api/users", json: body)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errors == [field: ["must not contain the character U+0000"]])
            let login = try await auth.send(.post, "/api/users/login", json: #"{"user":{"email":"\u0000","password":"x"}}"#)
            #expect(login.status == .unprocessableContent)
            let profile = try await auth.send(.get, "/api/profiles/a%00b")
            #expect(profile.status == .unprocessableContent)
        }
    }

    @Test func aOneCharacterBioOfFortyKilobytesIsTooLong() async throws {
        try await AuthHarness.run(environment: ["MAX_BODY_BYTES": "1048576"]) { auth in
            let user = try await auth.signUp("bio")
            let heavy = "e" + String(repeating: "\u{301}", count: 20_000)
            let reply = try await auth.send(.put, "/api/user", token: user.token, json: #"{"user":{"bio":"\#(heavy)"}}"#)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errors == ["bio": ["is too long (maximum is 8000 bytes)"]])
        }
    }
}
