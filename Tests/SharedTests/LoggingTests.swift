import Foundation
import Logging
import NIOConcurrencyHelpers
import TestSupport
import Testing

@testable import HTTPCore
@testable import ServiceCore

@Suite struct LoggingTests {
    final class Lines: Sendable {
        let box = NIOLockedValueBox<[String]>([])
        var output: LogOutput { LogOutput { line in self.box.withLockedValue { $0.append(line) } } }
        var all: [String] { box.withLockedValue { $0 } }
    }

    @Test func jsonLinesParseAndCarryMetadata() throws {
        let lines = Lines()
        var logger = Logger(label: "auth") { StructuredLogHandler(label: $0, format: .json, level: .info, output: lines.output) }
        logger[metadataKey: "request_id"] = "abc"
        logger.info("said \"hi\"\nthere", metadata: ["user": "7"])
        logger.debug("not shown")
        #expect(lines.all.count == 1)
        let object = try #require(JSONSerialization.jsonObject(with: Data(lines.all[0].utf8)) as? [String: String])
        #expect(object["msg"] == "said \"hi\"\nthere")
        #expect(object["request_id"] == "abc")
        #expect(object["user"] == "7")
        #expect(object["level"] == "info")
        #expect(object["logger"] == "auth")
    }

    @Test func logfmtQuotesWhatNeedsIt() {
        let lines = Lines()
        let logger = Logger(label: "posts") { StructuredLogHandler(label: $0, format: .logfmt, level: .info, output: lines.output) }
        logger.warning("two words", metadata: ["path": "/api/tags"])
        let line = lines.all[0]
        #expect(line.contains(#"msg="two words""#))
        #expect(line.contains("path=/api/tags"))
        #expect(line.contains("level=warning"))
        #expect(line.hasSuffix("\n"))
    }
}
