import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import HTTPCore
@testable import HTTPKit
@testable import ServiceCore

/// Input no request may turn into a crash or a 500: numbers out of range, U+0000, oversize text.
@Suite struct InputHardeningTests {
    let core: ServiceCore

    init() throws {
        core = ServiceCore(configuration: try testConfiguration())
    }

    func get(_ uri: String) async throws -> (HTTPResponse.Status, String) {
        try await makeTestApplication(core: core).test(.router) { client in
            try await client.execute(uri: uri, method: .get) { ($0.status, String(buffer: $0.body)) }
        }
    }

    func post(_ body: String) async throws -> (HTTPResponse.Status, [String: [String]]) {
        try await makeTestApplication(core: core).test(.router) { client in
            try await client.execute(uri: "/echo", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)) {
                ($0.status, (try? conduitErrors($0.body)) ?? [:])
            }
        }
    }

    @Test(arguments: [
        ("offset=9223372036854775807", "offset"), ("offset=1000001", "offset"), ("offset=-1", "offset"),
        ("offset=99999999999999999999", "offset"), ("limit=0", "limit"), ("limit=9223372036854775807&offset=x", "offset"),
    ])
    func pagingOutOfRangeIsA422NamingTheParameter(query: String, field: String) async throws {
        let (status, body) = try await get("/page?\(query)")
        #expect(status == .unprocessableContent)
        #expect(body.contains(#""\#(field)""#), "\(body)")
    }

    @Test func theLargestPageAddsUpWithoutOverflow() async throws {
        let (status, body) = try await get("/page?limit=9223372036854775807&offset=1000000")
        #expect(status == .ok)
        #expect(body == "100 1000000 1000100")
    }

    @Test(arguments: [
        (#"{"greeting":{"name":"A\u0000da","age":3}}"#, "name"),
        (#"{"greeting":{"name":"Ada","age":3,"extra":["x","\u0000"]}}"#, "extra"),
        (#"{"greeting":{"name":"Ada","age":3},"\u0000":1}"#, "body"),
    ])
    func aNullCharacterInABodyIsA422NamingTheField(body: String, field: String) async throws {
        let (status, errors) = try await post(body)
        #expect(status == .unprocessableContent)
        #expect(errors == [field: [NullCharacters.message]])
    }

    @Test func anEscapedBackslashBeforeU0000IsText() async throws {
        let (status, _) = try await post(#"{"greeting":{"name":"A\\u0000da","age":3}}"#)
        #expect(status == .ok)
    }

    @Test(arguments: [("/echo/word?tag=a%00b", "tag"), ("/echo/wo%00rd", "path"), ("/echo/word?ta%00g=1", "query")])
    func aNullCharacterInTheURIIsA422(uri: String, field: String) async throws {
        let (status, body) = try await get(uri)
        #expect(status == .unprocessableContent)
        #expect(body.contains(#""\#(field)""#), "\(body)")
    }

    @Test func nullCharactersAreFoundOnlyWhereJSONEscapesThem() {
        #expect(NullCharacters.escaped(inJSON: Array(#""a\u0000b""#.utf8)))
        #expect(!NullCharacters.escaped(inJSON: Array(#""a\\u0000b""#.utf8)))
        #expect(NullCharacters.escaped(inJSON: Array(#""a\\\u0000b""#.utf8)))
        #expect(NullCharacters.escaped(inJSON: Array(#""a\u00001""#.utf8)))
        #expect(!NullCharacters.escaped(inJSON: Array(#""\u0041\u0010""#.utf8)))
    }

    @Test func lengthsCountBytesAsWellAsCharacters() {
        // One grapheme cluster of 40 KB: a single "character".
        let heavy = "e" + String(repeating: "\u{301}", count: 20_000)
        #expect(heavy.count == 1)
        var errors = FieldErrors()
        let passed = errors.check("title", heavy, length: 1...200)
        #expect(!passed)
        #expect(errors.errors == ["title": ["is too long (maximum is 800 bytes)"]])
        var fine = FieldErrors()
        let finePassed = fine.check("title", String(repeating: "é", count: 200), length: 1...200)
        #expect(finePassed)
    }
}
