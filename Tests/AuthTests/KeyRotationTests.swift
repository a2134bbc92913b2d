import Authentication
import Foundation
import HTTPKit
import Hummingbird
import JWTKit
import Settings
import TestSupport
import Testing

@testable import Auth

@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct KeyRotationTests {
    @Test func tokensOfThePreviousKeyStayValidWhileNewOnesUseTheNewKey() async throws {
        let previous = ES256PrivateKey()
        let previousKID = try JSONWebKey(previous.publicKey).kid
        try await AuthHarness.run(previousKeys: [previous.publicKey]) { auth in
            let user = try await auth.signUp("rotated")
            let claims = try await auth.signingKeyCollection().verify(user.token, as: AccessTokenClaims.self)

            let oldKeys = JWTKeyCollection()
            await oldKeys.add(ecdsa: previous, kid: JWKIdentifier(string: previousKID))
            let oldToken = try await oldKeys.sign(
                AccessTokenClaims(userID: try #require(claims.userID), username: user.username, issuedAt: Date(), lifetime: .seconds(600)),
                kid: JWKIdentifier(string: previousKID)
            )
            let reply = try await auth.send(.get, "/api/user", token: oldToken)
            #expect(reply.status == .ok)

            let jwks = try await auth.send(.get, "/.well-known/jwks.json").json(JWKS.self)
            #expect(Set(jwks.keys.compactMap(\.keyIdentifier?.string)).contains(previousKID))
            #expect(jwks.keys.count == 2)
        }
    }

    @Test func aBadKeyInTheEnvironmentStopsTheServiceWithAClearMessage() async throws {
        let configuration = try testConfiguration(
            serviceName: "auth", extra: ["JWT_PRIVATE_KEY": "-----BEGIN EC PRIVATE KEY-----\nnope\n-----END EC PRIVATE KEY-----"])
        let error = await #expect(throws: SigningKeys.InvalidKey.self) {
            _ = try await SigningKeys.load(try AuthConfiguration(environment: configuration.environment))
        }
        #expect(error?.variable == "JWT_PRIVATE_KEY")
        #expect(throws: ConfigurationError.self) { try AuthConfiguration(environment: EnvironmentReader([:])) }
    }

    @Test func theUniqueIndexesTurnALostRaceIntoA422() async throws {
        try await AuthHarness.run { auth in
            let repository = UserRepository(database: auth.database)
            let first = UserRecord(id: UUID(), username: "racer", email: "racer@example.com", passwordHash: "x", bio: "", image: "")
            _ = try await repository.create(first, logger: .init(label: "test"))
            for (username, email, field) in [("racer2", "RACER@example.com", "email"), ("RACER", "other@example.com", "username")] {
                let second = UserRecord(id: UUID(), username: username, email: email, passwordHash: "x", bio: "", image: "")
                let error = await #expect(throws: ConduitError.self) {
                    _ = try await repository.create(second, logger: .init(label: "test"))
                }
                #expect(error?.status == .unprocessableContent)
                #expect(error?.errors == [field: ["has already been taken"]])
            }
            #expect(try await auth.outboxCount() == 1)
        }
    }
}
