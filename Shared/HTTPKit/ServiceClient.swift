import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Calls another service over HTTP. Each attempt has a timeout, the whole call a deadline; when no
/// attempt answers, the caller gets a 503 ``ConduitError`` naming the service — never a hang,
/// never a 500. Connections are kept alive between calls (AsyncHTTPClient's pool).
///
/// ``get(_:headers:logger:)`` is idempotent, so a connection failure, a timeout or a 5xx moves it
/// to the service's next address (or the same one again) after a short pause.
/// ``send(_:_:headers:body:logger:)`` (POST, PUT, DELETE) is never repeated once the request may
/// have reached the service: only an address that could not be connected to moves it on.
///
/// Traced by AsyncHTTPClient itself: each attempt is a client span under the current one, whose
/// context goes in the request's W3C `traceparent` header (with the tracer the instrumentation system
/// had when the client was made; ServiceCore bootstraps it before any client is made).
public struct ServiceClient: Sendable {
    public struct Reply: Sendable {
        public let status: Int
        public let body: ByteBuffer
        public let headers: HTTPFields
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
    ///   - attempts: how many attempts a GET makes at most
    ///   - httpClient: a client whose pool fails a refused connection at once
    ///     (`retryConnectionEstablishment = false`, see ``makeHTTPClient(connectTimeout:)``) lets a
    ///     call move on from a stopped replica without waiting for its attempt's timeout.
    public init(service: String, baseURLs: [String], attemptTimeout: Duration, deadline: Duration, attempts: Int, httpClient: HTTPClient = .shared) {
        self.service = service
        self.baseURLs = baseURLs
        self.attemptTimeout = attemptTimeout
        self.deadline = deadline
        self.attempts = max(1, attempts)
        self.httpClient = httpClient
    }

    /// An HTTP client for ``ServiceClient``s: a connection that cannot be made fails its request at
    /// once (so that the call turns to the next address), redirects are not followed. Shut it down
    /// when the service stops.
    public static func makeHTTPClient(connectTimeout: Duration, connectionsPerAddress: Int = 32) -> HTTPClient {
        var pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerAddress)
        pool.retryConnectionEstablishment = false
        let configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(connectTimeout)),
            connectionPool: pool
        )
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// A process-wide client made by ``makeHTTPClient(connectTimeout:connectionsPerAddress:)``
    /// (connections made within a second), for services that call others from their request
    /// handlers; it lives as long as the process, so nothing shuts it down.
    public static let sharedHTTPClient = makeHTTPClient(connectTimeout: .seconds(1))

    public func get(_ path: String, headers: HTTPFields = [:], logger: Logger) async throws -> Reply {
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
                let reply = try await execute(.GET, url, headers: headers, body: nil, timeout: min(attemptTimeout, remaining))
                if reply.status < 500 { return reply }
                failures.append("\(url): status \(reply.status)")
            } catch {
                failures.append("\(url): \(error)")
            }
            if attempt + 1 < attempts { try await Task.sleep(for: min(.milliseconds(100), max(.zero, end - clock.now))) }
        }
        throw unavailable(failures, logger: logger)
    }

    /// Sends a request that changes something. It goes to one address; only when that address could
    /// not be connected to (refused, or no connection within the client's connect timeout), so that
    /// the request was certainly never sent, does it go to the next one. A timeout, a connection lost
    /// mid-request or a 5xx is a 503 ``ConduitError``: the service may have acted on it.
    public func send(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields = [:], body: ByteBuffer? = nil, logger: Logger) async throws
        -> Reply
    {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        var failures: [String] = []
        let first = Int.random(in: 0..<baseURLs.count)
        for index in 0..<baseURLs.count {
            let remaining = end - clock.now
            guard remaining > .zero else { break }
            let url = baseURLs[(first + index) % baseURLs.count] + path
            do {
                let reply = try await execute(
                    HTTPMethod(rawValue: method.rawValue), url, headers: headers, body: body, timeout: min(attemptTimeout, remaining))
                if reply.status < 500 { return reply }
                failures.append("\(url): status \(reply.status)")
            } catch  where Self.neverConnected(error) {
                failures.append("\(url): \(error)")
                continue
            } catch {
                failures.append("\(url): \(error)")
            }
            break
        }
        throw unavailable(failures, logger: logger)
    }

    private func execute(_ method: HTTPMethod, _ url: String, headers: HTTPFields, body: ByteBuffer?, timeout: Duration) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
        if let body { request.body = .bytes(body) }
        let response = try await httpClient.execute(request, timeout: TimeAmount(timeout))
        let replyBody = try await response.body.collect(upTo: 4 << 20)
        var replyHeaders = HTTPFields()
        for (name, value) in response.headers {
            if let name = HTTPField.Name(name) { replyHeaders.append(HTTPField(name: name, value: value)) }
        }
        return Reply(status: Int(response.status.code), body: replyBody, headers: replyHeaders)
    }

    private func unavailable(_ failures: [String], logger: Logger) -> ConduitError {
        logger.warning(
            "\(service) did not answer",
            metadata: ["service": "\(service)", "attempts": "\(failures.count)", "errors": "\(failures.joined(separator: "; "))"])
        return ConduitError.unavailable("the \(service) service is unavailable, try again")
    }

    /// Whether `error` says that no connection was made, so that no byte of the request was sent.
    static func neverConnected(_ error: any Error) -> Bool {
        switch error {
        case is NIOConnectionError:
            return true
        case let error as HTTPClientError:
            return error == .connectTimeout
        case let error as ChannelError:
            if case .connectTimeout = error { return true }
            return false
        case let error as IOError:
            return error.errnoCode == ECONNREFUSED
        default:
            return false
        }
    }
}
