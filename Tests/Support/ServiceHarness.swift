import Events
import Foundation
import HTTPCore
import HTTPKit
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import ServiceCore
import ServiceLifecycle

// The harness of the services' tests: a service's application on a scratch database, and the
// requests a test sends it.

/// What a service answered a test's request.
public struct Reply: Sendable {
    public let status: HTTPResponse.Status
    public let headers: HTTPFields
    public let body: ByteBuffer

    public init(status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var text: String { String(buffer: body) }

    public func json<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(T.self, from: body) }

    /// The `errors` of a Conduit error body; empty when the body is not one.
    public var errors: [String: [String]] { (try? conduitErrors(body)) ?? [:] }
}

extension TestClientProtocol {
    /// Sends a request, with `Authorization: <scheme> <token>` when there is a token, and `json` as
    /// its body.
    @discardableResult
    public func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, scheme: String = "Token", json: String? = nil) async throws
        -> Reply
    {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "\(scheme) \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        let response = try await executeRequest(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        return Reply(status: response.status, headers: response.headers, body: response.body)
    }

    /// Sends a request as `user` (with their token), or anonymously when `user` is nil.
    @discardableResult
    public func send(_ method: HTTPRequest.Method, _ uri: String, as user: AuthenticatedUser?, json: String? = nil) async throws -> Reply {
        try await send(method, uri, token: user?.token, json: json)
    }
}

/// A service's application running on a scratch database of its own, with a client for its routes
/// and one for its database.
public struct TestService: Sendable {
    public let client: any TestClientProtocol
    /// The service's own database, for looking at its tables.
    public let database: PostgresClient
    public let configuration: ServiceConfiguration

    /// Makes a scratch database, configures a service called `name` on it (``testConfiguration(serviceName:databaseURL:extra:)``
    /// with `environment`), builds its application with `build` and runs `body` against it
    /// (`testing`: `.router`, or `.live` for a real listener), while `services` (a producer, say)
    /// run beside. Stops everything and drops the database afterwards, also when `body` throws.
    public static func run<App: ApplicationProtocol, Result: Sendable>(
        _ name: String,
        environment: [String: String] = [:],
        testing: TestingSetup = .router,
        beside services: [any Service] = [],
        build: (ServiceConfiguration) async throws -> App,
        _ body: @Sendable (TestService) async throws -> Result
    ) async throws -> Result {
        do {
            return try await TestDatabase.withScratchDatabase { url in
                let configuration = try testConfiguration(serviceName: name, databaseURL: url, extra: environment)
                let app = try await build(configuration)
                let database = PostgresClient(configuration: configuration.database.postgresClientConfiguration)
                return try await whileRunning([database] + services) {
                    try await app.test(testing) { client in
                        try await body(TestService(client: client, database: database, configuration: configuration))
                    }
                }
            }
        } catch let error as PSQLError {
            // Its description hides the server's message and the query; a failed test needs them.
            throw TestFailure("\(name): \(String(reflecting: error))")
        }
    }
}

/// A test's view of a running service; a service's harness adds what its tests do often.
public protocol ServiceHarness: Sendable {
    var service: TestService { get }
}

extension TestService: ServiceHarness {
    public var service: TestService { self }
}

extension ServiceHarness {
    public var client: any TestClientProtocol { service.client }
    public var database: PostgresClient { service.database }

    @discardableResult
    public func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, scheme: String = "Token", json: String? = nil) async throws
        -> Reply
    {
        try await client.send(method, uri, token: token, scheme: scheme, json: json)
    }

    @discardableResult
    public func send(_ method: HTTPRequest.Method, _ uri: String, as user: AuthenticatedUser?, json: String? = nil) async throws -> Reply {
        try await client.send(method, uri, as: user, json: json)
    }

    /// The events of `Event`'s type that the service wrote into its outbox, oldest first.
    public func events<Event: DomainEvent>(_ type: Event.Type) async throws -> [Event] {
        try await outboxEvents(type, in: database)
    }

    /// The number that `query` selects from the service's database (a count, say); 0 for no row.
    public func number(_ query: PostgresQuery) async throws -> Int {
        for try await value in try await database.query(query, logger: Logger(label: "test")).decode(Int.self) { return value }
        return 0
    }
}
