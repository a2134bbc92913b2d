import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import TestSupport
import Testing

@testable import HTTPKit

/// ServiceClient against real HTTP servers (Hummingbird on 127.0.0.1) and a port nothing listens on.
@Suite struct ServiceClientTests {
    final class Counter: Sendable {
        let requests = Atomic<Int>(0)
        var count: Int { requests.load(ordering: .relaxed) }
    }

    /// A replica that counts what reaches it: `/ok` answers, `/fail` is a 503, `/slow` answers late.
    static func replica(_ counter: Counter) -> some ApplicationProtocol {
        let router = Router()
        router.on("/ok", method: .post) { request, _ -> String in
            counter.requests.add(1, ordering: .relaxed)
            let body = try await request.body.collect(upTo: 1024)
            return "\(request.headers[.authorization] ?? "-") \(String(buffer: body))"
        }
        router.on("/fail", method: .post) { _, _ -> String in
            counter.requests.add(1, ordering: .relaxed)
            throw HTTPError(.serviceUnavailable)
        }
        router.get("/fail") { _, _ -> String in
            counter.requests.add(1, ordering: .relaxed)
            throw HTTPError(.serviceUnavailable)
        }
        router.on("/slow", method: .post) { _, _ -> String in
            counter.requests.add(1, ordering: .relaxed)
            try await Task.sleep(for: .seconds(2))
            return "late"
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// Runs `body` with two live replicas' base URLs and their counters.
    func withTwoReplicas(_ body: @Sendable ([String], Counter, Counter) async throws -> Void) async throws {
        let first = Counter()
        let second = Counter()
        try await Self.replica(first).test(.live) { firstClient in
            try await Self.replica(second).test(.live) { secondClient in
                let urls = ["http://127.0.0.1:\(firstClient.port!)", "http://127.0.0.1:\(secondClient.port!)"]
                try await body(urls, first, second)
            }
        }
    }

    func withHTTPClient(_ body: (HTTPClient) async throws -> Void) async throws {
        let httpClient = ServiceClient.makeHTTPClient(connectTimeout: .seconds(2))
        do {
            try await body(httpClient)
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    func client(_ urls: [String], timeout: Duration = .seconds(5), httpClient: HTTPClient) -> ServiceClient {
        ServiceClient(service: "test", baseURLs: urls, attemptTimeout: timeout, deadline: .seconds(20), attempts: 3, httpClient: httpClient)
    }

    @Test func aChangeReachesTheServiceWithItsHeadersAndBody() async throws {
        try await withHTTPClient { httpClient in
            try await withTwoReplicas { urls, first, second in
                let reply = try await client(urls, httpClient: httpClient).send(
                    .post, "/ok", headers: [.authorization: "Token abc"], body: ByteBuffer(string: "hello"), logger: Logger(label: "test")
                )
                #expect(reply.status == 200)
                #expect(String(buffer: reply.body) == "Token abc hello")
                #expect(first.count + second.count == 1)
            }
        }
    }

    @Test func aChangeMovesOnFromAnAddressThatRefusesTheConnection() async throws {
        try await withHTTPClient { httpClient in
            // Nothing listens on port 1 (a port found free could be taken by another test meanwhile).
            let closed = "http://127.0.0.1:1"
            try await withTwoReplicas { urls, first, _ in
                // The first address is chosen at random: over ten calls, some start at the closed one.
                for _ in 0..<10 {
                    let reply = try await client([closed, urls[0]], httpClient: httpClient).send(.post, "/ok", logger: Logger(label: "test"))
                    #expect(reply.status == 200)
                }
                #expect(first.count == 10)
            }
        }
    }

    @Test func aChangeThatReachedAServiceIsNotRepeatedAfterA5xx() async throws {
        try await withHTTPClient { httpClient in
            try await withTwoReplicas { urls, first, second in
                await #expect(throws: ConduitError.self) {
                    try await client(urls, httpClient: httpClient).send(.post, "/fail", logger: Logger(label: "test"))
                }
                #expect(first.count + second.count == 1)
            }
        }
    }

    /// `/slow` answers two seconds after the request reaches it, so an attempt of one second (timed
    /// from before the request was sent) always ends first, however slow the machine.
    @Test func aChangeThatTimedOutIsNotRepeated() async throws {
        try await withHTTPClient { httpClient in
            try await withTwoReplicas { urls, first, second in
                do {
                    _ = try await client(urls, timeout: .seconds(1), httpClient: httpClient).send(
                        .post, "/slow", logger: Logger(label: "test"))
                    Issue.record("a call that timed out returned")
                } catch let error as ConduitError {
                    #expect(error.status == .serviceUnavailable)
                }
                // The request was sent before the call gave up; on a busy machine the replica may
                // count it only later.
                #expect(try await eventually(timeout: .seconds(60)) { first.count + second.count >= 1 })
                #expect(first.count + second.count == 1)
            }
        }
    }

    @Test func aGetIsRetriedAfterA5xx() async throws {
        try await withHTTPClient { httpClient in
            try await withTwoReplicas { urls, first, _ in
                await #expect(throws: ConduitError.self) {
                    try await client([urls[0]], httpClient: httpClient).get("/fail", logger: Logger(label: "test"))
                }
                #expect(first.count == 3)
            }
        }
    }

    @Test func everyAddressRefusingIsA503() async throws {
        try await withHTTPClient { httpClient in
            let closed = ["http://127.0.0.1:\(try await freePort())", "http://127.0.0.1:\(try await freePort())"]
            do {
                _ = try await client(closed, httpClient: httpClient).send(.post, "/ok", logger: Logger(label: "test"))
                Issue.record("a call to closed ports returned")
            } catch let error as ConduitError {
                #expect(error.status == .serviceUnavailable)
                #expect(error.errors["body"] == ["the test service is unavailable, try again"])
            }
        }
    }
}
