import AsyncHTTPClient
import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// What the nginx gateway itself does: CORS, request ids, the contract, its own errors.
    @Suite struct GatewayEndToEndTests {
        @Test func browsersMayCallTheAPIFromOtherOrigins() async throws {
            let preflight = try await request(
                .OPTIONS, Stack.gateway + "/api/articles",
                headers: [
                    ("Origin", "https://conduit.example"), ("Access-Control-Request-Method", "POST"),
                    ("Access-Control-Request-Headers", "authorization,content-type"),
                ]
            )
            #expect(preflight.status == 204)
            #expect(preflight.headers["Access-Control-Allow-Origin"].first == "*")
            #expect(preflight.headers["Access-Control-Allow-Headers"].first?.contains("Authorization") == true)
            let read = try await request(.GET, Stack.gateway + "/api/tags", headers: [("Origin", "https://conduit.example")])
            #expect(read.status == 200)
            #expect(read.headers["Access-Control-Allow-Origin"].first == "*")
            #expect(read.headers["Access-Control-Expose-Headers"].first == "X-Request-ID")
        }

        @Test func theGatewayMakesARequestIDWhenTheClientSentNone() async throws {
            let result = try await request(.GET, Stack.gateway + "/api/tags")
            let id = try (result.headers["X-Request-ID"].first).unwrap("X-Request-ID")
            #expect(id.count >= 16)
            let missing = try await request(.GET, Stack.gateway + "/nowhere")
            #expect(missing.headers["X-Request-ID"].first?.isEmpty == false)
        }

        @Test func theContractIsServed() async throws {
            let result = try await request(.GET, Stack.gateway + "/api/openapi.yml")
            #expect(result.status == 200)
            #expect(result.body.contains("RealWorld Conduit API"))
        }

        @Test func anOversizeBodyIsA413FromTheGateway() async throws {
            let body = String(repeating: "x", count: 2 << 20)
            let result = try await request(.POST, Stack.gateway + "/api/articles", headers: [("Content-Type", "application/json")], body: body)
            #expect(result.status == 413)
            #expect(result.conduitErrors == ["body": ["request body is too large"]])
        }

        @Test func aFloodOfLoginsGets429sInConduitsShape() async throws {
            // Every request is on its own connection, all sent at once, so that the gateway counts
            // them all before any is answered, however slow the service is; and each is refused
            // before any hashing (a blank password is a 422), so none waits on bcrypt.
            let client = HTTPClient(
                configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 100)))
            defer { _ = client.shutdown() }
            let results = try await withThrowingTaskGroup(of: HTTPResult.self) { group in
                for _ in 0..<60 {
                    group.addTask {
                        try await request(
                            .POST, Stack.gateway + "/api/users/login", headers: [("Content-Type", "application/json")],
                            body: #"{"user":{"email":"nobody@example.com","password":""}}"#, client: client, timeout: .seconds(120)
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let limited = results.filter { $0.status == 429 }
            #expect(!limited.isEmpty)
            #expect(limited.first?.conduitErrors == ["body": ["too many requests, slow down"]])
            #expect(limited.first?.headers["Retry-After"].first == "1")
            #expect(results.allSatisfy { [422, 429].contains($0.status) })
            // Let the bucket fill again for the tests that register users.
            try await Task.sleep(for: .seconds(3))
        }
    }
}
