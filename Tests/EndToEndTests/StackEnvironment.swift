import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// The native stack that scripts/test started, described by the environment it exports.
enum Stack {
    static let environment = ProcessInfo.processInfo.environment
    static var isRunning: Bool { environment["INKWELL_GATEWAY_URL"] != nil }
    static var gateway: String { environment["INKWELL_GATEWAY_URL"] ?? "http://127.0.0.1:8080" }
    static var replicas: Int { Int(environment["INKWELL_REPLICAS"] ?? "1") ?? 1 }
    static var binDirectory: String? { environment["INKWELL_BIN_DIR"] }
    static var stackControl: String? { environment["INKWELL_STACKCTL"] }

    static let services: [(name: String, product: String, basePort: Int)] = [
        ("auth", "Auth", port("INKWELL_AUTH_BASE_PORT", 8100)),
        ("posts", "Posts", port("INKWELL_POSTS_BASE_PORT", 8200)),
        ("comments", "Comments", port("INKWELL_COMMENTS_BASE_PORT", 8300)),
        ("notifier", "Notifier", port("INKWELL_NOTIFIER_BASE_PORT", 8400)),
        ("analytics", "Analytics", port("INKWELL_ANALYTICS_BASE_PORT", 8600)),
        ("web", "Web", port("INKWELL_WEB_BASE_PORT", 8500)),
    ]

    static func port(_ variable: String, _ fallback: Int) -> Int {
        environment[variable].flatMap(Int.init) ?? fallback
    }

    /// Every replica's own address.
    static var replicaURLs: [(service: String, url: String)] {
        services.flatMap { service in
            (1...replicas).map { (service.name, "http://127.0.0.1:\(service.basePort + $0)") }
        }
    }

    static func control(_ arguments: String...) async throws {
        let (status, output) = try await ChildProcess.run(try stackControl.unwrap("INKWELL_STACKCTL"), arguments: arguments)
        guard status == 0 else { throw StackError("stackctl \(arguments.joined(separator: " ")) exited \(status): \(output)") }
    }
}

struct StackError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Optional {
    func unwrap(_ what: String) throws -> Wrapped {
        guard let self else { throw StackError("\(what) is not set") }
        return self
    }
}

struct HTTPResult {
    let status: Int
    let headers: HTTPHeaders
    let body: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
    var conduitErrors: [String: [String]]? { (json as? [String: Any])?["errors"] as? [String: [String]] }
}

func request(
    _ method: HTTPMethod = .GET, _ url: String, headers: [(String, String)] = [], body: String? = nil,
    client: HTTPClient = .shared, timeout: TimeAmount = .seconds(30)
) async throws -> HTTPResult {
    var request = HTTPClientRequest(url: url)
    request.method = method
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body { request.body = .bytes(ByteBuffer(string: body)) }
    let response = try await client.execute(request, timeout: timeout)
    let buffer = try await response.body.collect(upTo: 4 << 20)
    return HTTPResult(status: Int(response.status.code), headers: response.headers, body: String(buffer: buffer))
}

/// Polls `url` until it answers `status`, for at most `timeout`.
func waitForStatus(_ status: Int, at url: String, timeout: Duration) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let result = try? await request(.GET, url), result.status == status { return true }
        try await Task.sleep(for: .milliseconds(200))
    }
    return false
}

/// Every end-to-end suite nests in this one, so that they run one at a time: some stop pieces of
/// the shared stack (PostgreSQL, a replica), which others need.
@Suite(.serialized, .enabled(if: Stack.isRunning, "needs a running stack (scripts/test starts one)"))
enum EndToEnd {}

/// A user registered through the gateway, with the headers that act as them.
struct Member {
    let username: String
    let email: String
    let token: String
    var headers: [(String, String)] { [("Authorization", "Token \(token)"), ("Content-Type", "application/json")] }
}

/// Registers a user with a fresh name through the gateway.
func registerMember(_ name: String) async throws -> Member {
    let suffix = UUID().uuidString.prefix(8).lowercased()
    let username = "\(name)\(suffix)"
    let email = "\(name)\(suffix)@example.com"
    let result = try await request(
        .POST, Stack.gateway + "/api/users", headers: [("Content-Type", "application/json")],
        body: #"{"user":{"username":"\#(username)","email":"\#(email)","password":"secret-\#(suffix)"}}"#
    )
    let token = try (((result.json as? [String: Any])?["user"] as? [String: Any])?["token"] as? String).unwrap("token: \(result.body)")
    return Member(username: username, email: email, token: token)
}
