import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import TestSupport
import Testing

@testable import HTTPCore
@testable import HTTPKit
@testable import ServiceCore

struct Greeting: Codable, ResponseEncodable {
    struct Body: Codable {
        var name: String
        var age: Int
    }
    var greeting: Body
}

/// A router with the shared middleware and a route that decodes a body, for the HTTP behaviour tests.
func makeTestApplication(core: ServiceCore) -> some ApplicationProtocol {
    let router = core.makeRouter()
    router.post("/echo") { request, context -> Greeting in
        try await request.decode(as: Greeting.self, context: context)
    }
    router.get("/boom") { _, _ -> String in
        // Nothing listens on port 1: a real "database unreachable" error.
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: "127.0.0.1", port: 1, username: "x", password: nil, database: "x", tls: .disable),
            id: 1,
            logger: core.logger
        )
        try await connection.close()
        return "unreachable"
    }
    router.get("/page") { request, _ -> String in
        let page = try Page(request)
        return "\(page.limit) \(page.offset) \(page.end)"
    }
    router.get("/echo/:word") { request, context -> String in
        "\(try context.parameters.require("word")) \(request.uri.queryParameters.get("tag") ?? "")"
    }
    router.get("/crash") { _, _ -> String in
        struct Secret: Error { let sql = "SELECT password FROM users" }
        throw Secret()
    }
    return Application(router: router, logger: core.logger)
}
