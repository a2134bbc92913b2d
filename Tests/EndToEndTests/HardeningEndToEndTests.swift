import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

extension EndToEnd {
    /// What an attacker tried through the gateway, and what each now gets.
    @Suite struct HardeningEndToEndTests {
        @Test(.nativeStackOnly) func theDeepestOffsetIsA422AndEveryPostsReplicaStillServes() async throws {
            for _ in 0..<(2 * Stack.replicas) {
                let result = try await request(.GET, Stack.gateway + "/api/articles?tag=swift&offset=9223372036854775807")
                #expect(result.status == 422)
                #expect(result.conduitErrors?["offset"] != nil, "\(result.body)")
            }
            for replica in Stack.replicaURLs where replica.service == "posts" {
                #expect(try await request(.GET, replica.url + "/health/live").status == 200, "\(replica.url) is alive")
            }
        }

        @Test(arguments: ["/api/articles?tag=a%00", "/api/articles?author=%00", "/api/articles?favorited=x%00", "/api/profiles/a%00b"])
        func aNullCharacterInTheURIIsA4xxNeverA500(path: String) async throws {
            let result = try await request(.GET, Stack.gateway + path)
            #expect((400..<500).contains(result.status), "\(path): \(result.status) \(result.body)")
            #expect(result.conduitErrors != nil, "\(path): \(result.body)")
        }

        @Test func aNullCharacterInARegistrationOrLoginIsA422() async throws {
            for (path, body) in [
                ("/api/users", #"{"user":{"username":"nul","email":"nul\u0000@example.com","password":"password123"}}"#),
                ("/api/users/login", #"{"user":{"email":"a@example.com","password":"\u0000"}}"#),
            ] {
                let result = try await request(.POST, Stack.gateway + path, headers: [("Content-Type", "application/json")], body: body)
                #expect(result.status == 422, "\(path): \(result.body)")
            }
        }

        @Test(arguments: [
            "/internal/articles/..%2F..%2Fapi%2Ftags", "/api/articles/..%2F..%2Finternal%2Farticles%2Fx", "/api/articles/%2e%2e",
            "/api/articles/a%5Cb",
        ])
        func encodedSlashesDotsAndBackslashesInPathsAre400s(path: String) async throws {
            let result = try await request(.GET, Stack.gateway + path)
            #expect(result.status == 400, "\(path): \(result.body)")
            #expect(result.conduitErrors?["path"] != nil, "\(result.body)")
        }

        @Test func anEncodedSlashInTheQueryIsFine() async throws {
            #expect(try await request(.GET, Stack.gateway + "/api/articles?tag=a%2Fb").status == 200)
        }

        @Test func responsesCarrySecurityHeadersOneRequestIDAndNoServerVersion() async throws {
            for path in ["/api/tags", "/api/nowhere", "/api/articles/%2e%2e", "/nowhere"] {
                let result = try await request(.GET, Stack.gateway + path)
                #expect(result.headers["X-Content-Type-Options"] == ["nosniff"], "\(path)")
                // The pages' own policy (web's): their forms must be sent with their Origin.
                #expect(result.headers["Referrer-Policy"] == [path == "/nowhere" ? "same-origin" : "no-referrer"], "\(path)")
                #expect(result.headers["Content-Security-Policy"].count == 1, "\(path)")
                #expect(result.headers["Content-Security-Policy"].first?.contains("default-src 'none'") == true, "\(path)")
                #expect(result.headers["X-Request-ID"].count == 1, "\(path): \(result.headers["X-Request-ID"])")
                #expect(result.headers["Server"].allSatisfy { !$0.contains("/") }, "\(path): \(result.headers["Server"])")
            }
            let trace = try await request(.TRACE, Stack.gateway + "/api/tags")
            #expect(trace.status == 405)
            #expect(trace.conduitErrors != nil, "\(trace.body)")
        }

        @Test func aNewPasswordEndsTheOldTokensSessionsInEveryService() async throws {
            let member = try await registerMember("revoked")
            let changed = try await request(
                .PUT, Stack.gateway + "/api/user", headers: member.headers, body: #"{"user":{"password":"an entirely new password"}}"#)
            #expect(changed.status == 200)
            let newToken = try (((changed.json as? [String: Any])?["user"] as? [String: Any])?["token"] as? String).unwrap("token")
            #expect(try await request(.GET, Stack.gateway + "/api/user", headers: member.headers).status == 401)
            // Posts and the notifier learn of it from user.updated, in their own projections.
            for path in ["/api/articles/feed", "/api/notifications"] {
                let refused = try await eventually(timeout: .seconds(60), every: .milliseconds(250)) {
                    try await request(.GET, Stack.gateway + path, headers: member.headers).status == 401
                }
                #expect(refused, "\(path) refuses the old token")
                #expect(try await request(.GET, Stack.gateway + path, headers: [("Authorization", "Token \(newToken)")]).status == 200, "\(path)")
            }
        }
    }
}
