import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HTTPKit

/// The ETag, `304` and the gateway's cache lifetime that every cacheable read gets.
@Suite struct HTTPCachingTests {
    /// `/greeting` answers what was last stored in `current`; `/missing` is a 404.
    final class Content: @unchecked Sendable {
        private let lock = NSLock()
        private var text = "first"
        var current: String {
            get { lock.withLock { text } }
            set { lock.withLock { text = newValue } }
        }
    }

    func makeApplication(_ content: Content) -> some ApplicationProtocol {
        let router = Router()
        router.group().add(middleware: HTTPCachingMiddleware()).get("greeting") { _, _ in content.current }
            .get("missing") { _, _ -> String in throw HTTPError(.notFound) }
        router.post("greeting") { _, _ in content.current }
        return Application(router: router)
    }

    @Test func aReadCarriesAnETagAndItsIfNoneMatchIsA304WithoutABody() async throws {
        try await makeApplication(Content()).test(.router) { client in
            let first = try await client.execute(uri: "/greeting", method: .get)
            #expect(first.status == .ok)
            #expect(String(buffer: first.body) == "first")
            let etag = try #require(first.headers[.eTag])
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\""))
            // 128 bits in base64url, without padding.
            #expect(etag.count == 24 && etag.dropFirst().dropLast().allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            #expect(first.headers[.cacheControl] == "no-cache")

            for ifNoneMatch in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
                let revalidated = try await client.execute(uri: "/greeting", method: .get, headers: [.ifNoneMatch: ifNoneMatch])
                #expect(revalidated.status == .notModified, "If-None-Match: \(ifNoneMatch)")
                #expect(revalidated.body.readableBytes == 0)
                #expect(revalidated.headers[.eTag] == etag)
            }
            let otherTag = try await client.execute(uri: "/greeting", method: .get, headers: [.ifNoneMatch: "\"other\""])
            #expect(otherTag.status == .ok)
            #expect(String(buffer: otherTag.body) == "first")
        }
    }

    @Test func aChangedAnswerHasANewETagAndItsOldETagGetsTheNewBody() async throws {
        let content = Content()
        try await makeApplication(content).test(.router) { client in
            let before = try #require(try await client.execute(uri: "/greeting", method: .get).headers[.eTag])
            content.current = "second"
            let after = try await client.execute(uri: "/greeting", method: .get, headers: [.ifNoneMatch: before])
            #expect(after.status == .ok)
            #expect(String(buffer: after.body) == "second")
            #expect(after.headers[.eTag] != nil && after.headers[.eTag] != before)
        }
    }

    @Test func anAnonymousAnswerMayBeSharedUntilTheEndOfTheSecondItWasMadeIn() async throws {
        try await makeApplication(Content()).test(.router) { client in
            let before = Int(Date().timeIntervalSince1970.rounded(.down))
            let response = try await client.execute(uri: "/greeting", method: .get)
            let after = Int(Date().timeIntervalSince1970.rounded(.down))
            let expiry = try #require(response.headers[.accelExpires])
            #expect(expiry.hasPrefix("@"))
            let second = try #require(Int(expiry.dropFirst()))
            #expect((before...after).contains(second))
            #expect(response.headers[.vary] == "Authorization")
        }
    }

    @Test func anAnswerToATokenIsPrivateAndNeverShared() async throws {
        try await makeApplication(Content()).test(.router) { client in
            let response = try await client.execute(uri: "/greeting", method: .get, headers: [.authorization: "Token t"])
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "private, no-cache")
            #expect(response.headers[.accelExpires] == nil)
            #expect(response.headers[.eTag] != nil)
        }
    }

    @Test func errorsAndWritesAreLeftAlone() async throws {
        try await makeApplication(Content()).test(.router) { client in
            let missing = try await client.execute(uri: "/missing", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.eTag] == nil && missing.headers[.accelExpires] == nil)
            let written = try await client.execute(uri: "/greeting", method: .post, headers: [.ifNoneMatch: "*"])
            #expect(written.status == .ok)
            #expect(written.headers[.eTag] == nil && written.headers[.accelExpires] == nil)
        }
    }
}
