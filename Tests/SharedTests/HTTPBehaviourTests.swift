import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import HTTPCore
@testable import HTTPKit
@testable import ServiceCore

@Suite struct HTTPBehaviourTests {
    let core: ServiceCore

    init() throws {
        core = ServiceCore(configuration: try testConfiguration())
    }

    @Test func aValidBodyDecodes() async throws {
        try await makeTestApplication(core: core).test(.router) { client in
            try await client.execute(
                uri: "/echo", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"greeting":{"name":"Ada","age":36,"ignored":true}}"#)
            ) { response in
                #expect(response.status == .ok)
                let greeting = try JSONDecoder().decode(Greeting.self, from: response.body)
                #expect(greeting.greeting.name == "Ada")
            }
        }
    }

    @Test func malformedJSONIsA400WithTheConduitBody() async throws {
        try await makeTestApplication(core: core).test(.router) { client in
            try await client.execute(
                uri: "/echo", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{\"greeting\":")
            ) { response in
                #expect(response.status == .badRequest)
                let errors = try conduitErrors(response.body)
                #expect(errors == ["body": ["is not valid JSON"]])
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            }
        }
    }

    @Test(arguments: [
        (#"{"greeting":{"age":3}}"#, "name", "can't be blank"),
        (#"{"greeting":{"name":null,"age":3}}"#, "name", "can't be blank"),
        (#"{"greeting":{"name":"Ada","age":"old"}}"#, "age", "must be a number"),
        (#"{"greeting":{"name":7,"age":3}}"#, "name", "must be a string"),
        (#"{}"#, "greeting", "can't be blank"),
    ])
    func aWrongFieldIsA422NamingIt(body: String, field: String, message: String) async throws {
        try await makeTestApplication(core: core).test(.router) { client in
            try await client.execute(uri: "/echo", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)) {
                response in
                #expect(response.status == .unprocessableContent)
                let errors = try conduitErrors(response.body)
                #expect(errors == [field: [message]])
            }
        }
    }

    @Test func aWrongContentTypeIsA415() async throws {
        try await makeTestApplication(core: core).test(.router) { client in
            try await client.execute(uri: "/echo", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .unsupportedMediaType)
                let errors = try conduitErrors(response.body)
                #expect(errors["body"] != nil)
            }
        }
    }

    @Test func anOversizeBodyIsA413() async throws {
        let big = #"{"greeting":{"name":""# + String(repeating: "x", count: 4096) + #"","age":1}}"#
        try await makeTestApplication(core: core).test(.router) { client in
            try await client.execute(uri: "/echo", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: big)) {
                response in
                #expect(response.status == .contentTooLarge)
                let errors = try conduitErrors(response.body)
                #expect(errors == ["body": ["request body is larger than 2048 bytes"]])
            }
        }
    }

    @Test func anUnknownRouteIsA404WithTheConduitBody() async throws {
        try await makeTestApplication(core: core).test(.router) { client in
            try await client.execute(uri: "/api/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
                let errors = try conduitErrors(response.body)
                #expect(errors == ["body": ["no route for GET /api/nowhere"]])
            }
        }
    }

    @Test func internalsNeverReachTheClient() async throws {
        try await makeTestApplication(core: core).test(.router) { client in
            try await client.execute(uri: "/crash", method: .get, headers: [.requestID: "trace-me-1"]) { response in
                #expect(response.status == .internalServerError)
                let text = String(buffer: response.body)
                #expect(!text.contains("SELECT"))
                #expect(!text.contains(".swift"))
                let errors = try conduitErrors(response.body)
                #expect(errors == ["body": ["internal error (request id trace-me-1)"]])
            }
            try await client.execute(uri: "/boom", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let errors = try conduitErrors(response.body)
                #expect(errors["body"]?.first?.hasPrefix("database unavailable") == true)
            }
        }
    }

    @Test func theClientsRequestIDIsEchoed() async throws {
        try await makeTestApplication(core: core).test(.router) { client in
            try await client.execute(uri: "/health/live", method: .get, headers: [.requestID: "abc-123"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.requestID] == "abc-123")
            }
            try await client.execute(uri: "/nowhere", method: .get, headers: [.requestID: "on-errors-too"]) { response in
                #expect(response.headers[.requestID] == "on-errors-too")
            }
        }
    }

    @Test func aRequestIDIsMadeWhenMissingOrUnsafe() async throws {
        try await makeTestApplication(core: core).test(.router) { client in
            var seen: [String] = []
            let unsafe = ["bad id\nwith=injection", "idé-non-ascii", String(repeating: "a", count: 129)]
            let headers: [HTTPFields] = [[:]] + unsafe.map { [.requestID: $0] }
            for header in headers {
                try await client.execute(uri: "/health/live", method: .get, headers: header) { response in
                    let id = try #require(response.headers[.requestID])
                    #expect(UUID(uuidString: id) != nil)
                    seen.append(id)
                }
            }
            #expect(Set(seen).count == 4)
        }
    }

    @Test func metricsCountRequestsByRouteAndStatus() async throws {
        @Sendable func count(in text: String) -> Double {
            text.split(separator: "\n")
                .first {
                    $0.hasPrefix("hb_requests{") && $0.contains(#"http_route="/health/live""#) && $0.contains(#"http_response_status_code="200""#)
                }
                .flatMap { $0.split(separator: " ").last.flatMap { Double($0) } } ?? 0
        }
        try await makeTestApplication(core: core).test(.router) { client in
            let before = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            for _ in 0..<3 {
                try await client.execute(uri: "/health/live", method: .get) { #expect($0.status == .ok) }
            }
            let after = try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                return String(buffer: response.body)
            }
            #expect(count(in: after) >= count(in: before) + 3)
            #expect(after.contains("http_server_request_duration_bucket"))
        }
    }
}
