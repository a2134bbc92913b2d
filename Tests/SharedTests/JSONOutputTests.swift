import ConduitContract
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import HTTPKit

/// The JSON the hot responses write themselves: valid, escaped, the same as `JSONEncoder`'s.
@Suite struct JSONOutputTests {
    struct Sample: JSONWritable, Codable, Equatable {
        var name: String
        var note: String?
        var tags: [String]
        var empty: [Int]
        var count: Int
        var id: Int64
        var flag: Bool
        var nested: [Profile]

        func write(to json: inout JSONOutput) {
            json.object { json in
                json.field("name", name)
                json.field("note", ifPresent: note)
                json.field("tags", tags)
                json.field("empty", empty)
                json.field("count", count)
                json.field("id", id)
                json.field("flag", flag)
                json.field("nested", nested)
            }
        }
    }

    static let awkwardStrings = [
        "", "plain", "quote \" and backslash \\ and slash /", "line\nfeed\r\ttab", "\u{0}\u{1}\u{8}\u{c}\u{1b}\u{1f}\u{7f}",
        "ünïcödé 中文 👩‍👩‍👧 \u{2028}\u{2029}", String(String.UnicodeScalarView((0..<32 as Range<UInt8>).map(Unicode.Scalar.init))), "\"\"\\\\",
    ]

    @Test(arguments: awkwardStrings)
    func aStringReadsBackAsItself(text: String) throws {
        let written = jsonWritten(text)
        #expect(try JSONDecoder().decode(String.self, from: Data(written.utf8)) == text)
        #expect(!written.utf8.dropFirst().dropLast().contains { $0 < 0x20 }, "control characters are escaped")
    }

    @Test func objectsArraysAndValuesGetTheirCommasAndMatchJSONEncoder() throws {
        let profile = Profile(username: "ada \"the first\"", bio: "line\none", image: "https://example.com/a.png", following: true)
        let samples = [
            Sample(name: "a", note: nil, tags: [], empty: [], count: 0, id: 0, flag: false, nested: []),
            Sample(
                name: "b", note: "noted", tags: Self.awkwardStrings, empty: [], count: -42, id: .max, flag: true,
                nested: [profile, Profile(username: "", bio: "", image: "", following: false)]),
        ]
        for sample in samples {
            let (written, encoded) = try jsonWrittenBothWays(sample)
            #expect(written == encoded)
            #expect(try JSONDecoder().decode(Sample.self, from: Data(jsonWritten(sample).utf8)) == sample)
        }
        #expect(!jsonWritten(samples[0]).contains("note"), "an absent optional leaves its key out, as Encodable does")
        #expect(jsonWritten([samples[0], samples[0]]).hasPrefix("[{\"name\":\"a\","))
        let (written, encoded) = try jsonWrittenBothWays(profile)
        #expect(written == encoded)
    }

    struct NotWritable: ResponseEncodable {
        var greeting: String
    }

    struct Writable: ResponseEncodable, JSONWritable {
        var profile: Profile
        func write(to json: inout JSONOutput) { json.object { json in json.field("profile", profile) } }
    }

    @Test func theResponseEncoderWritesWhatCanWriteItselfAndEncodesTheRest() async throws {
        let router = Router(context: AppRequestContext.self)
        router.get("writable") { _, _ in Writable(profile: Profile(username: "ada", bio: "", image: "", following: false)) }
        router.get("encodable") { _, _ in NotWritable(greeting: "hello") }
        try await Application(router: router).test(.router) { client in
            for (path, expected) in [
                ("/writable", #"{"profile":{"username":"ada","bio":"","image":"","following":false}}"#), ("/encodable", #"{"greeting":"hello"}"#),
            ] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == expected)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.headers[.contentLength] == String(expected.utf8.count))
            }
        }
    }
}
