import Foundation
import TestSupport
import Testing

/// Through a running native stack (scripts/test starts it with two replicas of each service).
/// Serialized: one test stops PostgreSQL, which the others need.
extension EndToEnd {
    @Suite struct FoundationEndToEndTests {
        @Test(.nativeStackOnly) func everyReplicaIsReadyOnItsOwnPort() async throws {
            #expect(Stack.replicaURLs.count == Stack.services.count * Stack.replicas)
            for (service, url) in Stack.replicaURLs {
                let result = try await request(.GET, "\(url)/health/ready")
                #expect(result.status == 200, "\(service) at \(url): \(result.body)")
            }
        }

        @Test func theGatewayReachesPostsAndAuth() async throws {
            // Until their routes land, the services answer with their own Conduit 404, not nginx's page.
            for path in ["/api/tags", "/api/user"] {
                let result = try await request(.GET, Stack.gateway + path)
                #expect([200, 401, 404].contains(result.status))
                #expect(result.conduitErrors != nil || result.status == 200, "\(path): \(result.body)")
                if result.status == 404 {
                    #expect(result.conduitErrors?["body"] == ["no route for GET \(path)"], "answered by the service")
                }
            }
        }

        @Test func theGatewayPassesTheRequestIDAndHidesInternals() async throws {
            let echoed = try await request(.GET, Stack.gateway + "/api/tags", headers: [("X-Request-ID", "e2e-request-1")])
            #expect(echoed.headers["X-Request-ID"].first == "e2e-request-1")
            for path in ["/metrics", "/health/ready", "/health/live", "/internal/articles/x", "/Metrics", "/api/nowhere"] {
                let result = try await request(.GET, Stack.gateway + path)
                #expect(result.status == 404, "\(path) must not be reachable through the gateway")
                #expect(result.conduitErrors != nil, "\(path): the gateway's own 404")
            }
            // Any other path is the web's: a page saying there is nothing there.
            let page = try await request(.GET, Stack.gateway + "/nowhere")
            #expect(page.status == 404)
            #expect(page.headers["Content-Type"].first == "text/html; charset=utf-8")
        }

        /// The relay's gauge is made before the service's router: it reaches `/metrics` only when the
        /// metrics were bootstrapped first.
        @Test(.nativeStackOnly) func everyReplicaWithAnOutboxExportsItsRelaysMetrics() async throws {
            for (service, url) in Stack.replicaURLs where ["auth", "posts", "comments"].contains(service) {
                let metrics = try await request(.GET, url + "/metrics")
                #expect(metrics.status == 200, "\(service) at \(url)")
                #expect(metrics.body.contains("inkwell_outbox_pending"), "\(service) at \(url): the outbox relay's gauge")
            }
        }

        @Test(.nativeStackOnly) func aBadConfigurationValueStopsTheServiceNamingTheVariable() async throws {
            let binary = try Stack.binDirectory.unwrap("INKWELL_BIN_DIR") + "/Posts"
            let (status, message) = try await ChildProcess.run(binary, environment: ["PORT": "not-a-port"])
            #expect(status == 78)
            #expect(message.contains(#"PORT="not-a-port""#))
            #expect(message.contains("expected an integer from 0 to 65535"))
        }

        @Test(.nativeStackOnly) func readinessFollowsPostgreSQL() async throws {
            let url = Stack.replicaURLs[0].url + "/health/ready"
            #expect(try await request(.GET, url).status == 200)
            try await Stack.control("postgres-stop")
            do {
                #expect(try await waitForStatus(503, at: url, timeout: .seconds(15)), "not ready while PostgreSQL is stopped")
                let unready = try await request(.GET, url)
                #expect(unready.conduitErrors?["database"] != nil, "the reason names the database: \(unready.body)")
                #expect(try await request(.GET, Stack.replicaURLs[0].url + "/health/live").status == 200)
            } catch {
                try? await Stack.control("postgres-start")
                throw error
            }
            try await Stack.control("postgres-start")
            #expect(try await waitForStatus(200, at: url, timeout: .seconds(30)), "ready again once PostgreSQL is back")
            for (service, replica) in Stack.replicaURLs {
                #expect(try await waitForStatus(200, at: replica + "/health/ready", timeout: .seconds(30)), "\(service) at \(replica)")
            }
        }
    }
}
