import Events
import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Persistence
import PostgresNIO
import TestSupport

@testable import Auth

/// A running auth application on a scratch database, with a client for its routes and a
/// connection of its own for looking at the tables.
struct AuthHarness: Sendable {
    let client: any TestClientProtocol
    let database: PostgresClient
    let signingKey: ES256PrivateKey

    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let body: ByteBuffer
        let headers: HTTPFields

        var text: String { String(buffer: body) }
        func json<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(T.self, from: body) }
        var errors: [String: [String]] { (try? conduitErrors(body)) ?? [:] }
    }

    static func run(previousKeys: [ES256PublicKey] = [], environment: [String: String] = [:], _ body: @Sendable (AuthHarness) async throws -> Void) async throws {
        try await TestDatabase.withScratchDatabase { url in
            let key = ES256PrivateKey()
            let configuration = try testConfiguration(
                serviceName: "auth",
                databaseURL: url,
                extra: [
                    "JWT_PRIVATE_KEY": key.pemRepresentation, "BCRYPT_COST": "4",
                    "JWT_PREVIOUS_PUBLIC_KEYS": previousKeys.map(\.pemRepresentation).joined(separator: "\n"),
                ].merging(environment) { $1 }
            )
            let app = try await buildApplication(configuration, try AuthConfiguration(environment: configuration.environment))
            let database = PostgresClient(configuration: try DatabaseConfiguration(url: url, variable: "test").postgresClientConfiguration)
            try await withRunningClient(database) {
                try await app.test(.router) { client in
                    try await body(AuthHarness(client: client, database: database, signingKey: key))
                }
            }
        }
    }

    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, scheme: String = "Token", json: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "\(scheme) \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { response in
            Reply(status: response.status, body: response.body, headers: response.headers)
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

    /// The events of `Event`'s type in the outbox, oldest first.
    func events<Event: DomainEvent>(_ type: Event.Type) async throws -> [Event] {
        try await outboxEvents(type, in: database)
    }

    func outboxCount() async throws -> Int {
        let rows = try await database.query("SELECT count(*)::int FROM outbox", logger: .init(label: "test"))
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}

typealias UserBody = UserResponse
typealias ProfileBody = ProfileResponse
