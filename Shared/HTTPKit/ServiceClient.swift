import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Calls another service over HTTP (GET only: idempotent calls are the ones that may be
/// retried). Each attempt has a timeout, the whole call a deadline; a connection failure, a
/// timeout or a 5xx moves to the service's next address (or the same one again) after a short
/// pause. When no attempt answers, the caller gets a 503 ``ConduitError`` naming the service —
/// never a hang, never a 500. Connections are kept alive between calls (AsyncHTTPClient's pool).
///
/// Traced by AsyncHTTPClient itself: each attempt is a client span under the current one, whose
/// context goes in the request's W3C `traceparent` header (with the tracer the instrumentation system
/// had when the client was made; ServiceCore bootstraps it before any client is made).
public struct ServiceClient: Sendable {
    public struct Reply: Sendable {
        public let status: Int
        public let body: ByteBuffer
    }

    public let service: String
    let baseURLs: [String]
    let attemptTimeout: Duration
    let deadline: Duration
    let attempts: Int
    let httpClient: HTTPClient

    /// - Parameters:
    ///   - baseURLs: the service's addresses, tried in turn (one per replica, or a load balancer)
    ///   - attemptTimeout: how long one attempt may take
    ///   - deadline: how long the whole call may take, retries included
    ///   - attempts: how many attempts at most
    public init(service: String, baseURLs: [String], attemptTimeout: Duration, deadline: Duration, attempts: Int, httpClient: HTTPClient = .shared) {
        self.service = service
        self.baseURLs = baseURLs
        self.attemptTimeout = attemptTimeout
        self.deadline = deadline
        self.attempts = max(1, attempts)
        self.httpClient = httpClient
    }

    public func get(_ path: String, logger: Logger) async throws -> Reply {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        var failures: [String] = []
        // Starting at a random address spreads calls over the replicas.
        let first = Int.random(in: 0..<baseURLs.count)
        for attempt in 0..<attempts {
            let remaining = end - clock.now
            guard remaining > .zero else { break }
            let url = baseURLs[(first + attempt) % baseURLs.count] + path
            do {
                var request = HTTPClientRequest(url: url)
                request.headers.add(name: "Accept", value: "application/json")
                let response = try await httpClient.execute(request, timeout: TimeAmount(min(attemptTimeout, remaining)))
                let body = try await response.body.collect(upTo: 4 << 20)
                let status = Int(response.status.code)
                if status < 500 { return Reply(status: status, body: body) }
                failures.append("\(url): status \(status)")
            } catch {
                failures.append("\(url): \(error)")
            }
            if attempt + 1 < attempts { try await Task.sleep(for: min(.milliseconds(100), max(.zero, end - clock.now))) }
        }
        logger.warning(
            "\(service) did not answer",
            metadata: ["service": "\(service)", "attempts": "\(failures.count)", "errors": "\(failures.joined(separator: "; "))"])
        throw ConduitError.unavailable("the \(service) service is unavailable, try again")
    }
}
