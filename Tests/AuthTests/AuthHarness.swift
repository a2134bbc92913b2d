import ConduitContract
import Foundation
import JWTKit
import TestSupport

@testable import Auth

/// A running auth application on a scratch database (``TestService``), with the key it signs with.
struct AuthHarness: ServiceHarness {
    let service: TestService
    let signingKey: ES256PrivateKey

    static func run(previousKeys: [ES256PublicKey] = [], environment: [String: String] = [:], _ body: @Sendable (AuthHarness) async throws -> Void)
        async throws
    {
        let key = ES256PrivateKey()
        let settings = [
            "JWT_PRIVATE_KEY": key.pemRepresentation, "BCRYPT_COST": "4",
            "JWT_PREVIOUS_PUBLIC_KEYS": previousKeys.map(\.pemRepresentation).joined(separator: "\n"),
            // Auth alone: no projections to push its users' changes to.
            "POSTS_URL": "none", "COMMENTS_URL": "none",
        ]
        try await TestService.run("auth", environment: settings.merging(environment) { $1 }) { configuration in
            try await buildApplication(configuration, try AuthConfiguration(environment: configuration.environment))
        } _: { service in
            try await body(AuthHarness(service: service, signingKey: key))
        }
    }

    struct SignedUp {
        let username: String
        let email: String
        let password: String
        let token: String
    }

    /// Registers a user with fresh, unique names.
    func signUp(_ prefix: String = "user") async throws -> SignedUp {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let username = "\(prefix)_\(suffix)"
        let email = "\(prefix).\(suffix)@example.com"
        let password = "correct horse \(suffix)"
        let reply = try await send(.post, "/api/users", json: #"{"user":{"username":"\#(username)","email":"\#(email)","password":"\#(password)"}}"#)
        guard reply.status == .created else { throw TestFailure("registration failed: \(reply.status) \(reply.text)") }
        return SignedUp(username: username, email: email, password: password, token: try reply.json(UserBody.self).user.token)
    }

    func outboxCount() async throws -> Int {
        try await number("SELECT count(*)::int FROM outbox")
    }
}

typealias UserBody = UserResponse
typealias ProfileBody = ProfileResponse
