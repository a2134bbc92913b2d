import Foundation
import Synchronization

/// An SMTP sink of the test's own (aiosmtpd, from INKWELL_AIOSMTPD_BIN) that keeps every message
/// in a maildir, and can be stopped and started again on the same port.
public final class SMTPSink: Sendable {
    public static var binary: String? { ProcessInfo.processInfo.environment["INKWELL_AIOSMTPD_BIN"] }
    public static var isAvailable: Bool { binary != nil }

    /// The port the system gave the sink when it first started; a restart takes the same one.
    public var port: Int { state.withLock { $0.port } }
    public let directory: URL
    private let state = Mutex<(process: ChildProcess?, port: Int)>((nil, 0))

    public init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("inkwell-mail-\(UUID().uuidString.prefix(8))")
        try await start()
    }

    public var url: String { "smtp://127.0.0.1:\(port)" }

    /// Starts the sink (Tests/Support/smtp_sink.py, with aiosmtpd's Python), on the port it had
    /// before or, the first time, on one the system picks, so that it never races another test for one.
    public func start() async throws {
        guard let binary = Self.binary else { throw TestFailure("INKWELL_AIOSMTPD_BIN is not set") }
        let python = URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("python3").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("smtp_sink.py").path
        let output = directory.path + "-\(UUID().uuidString.prefix(4)).log"
        let child = try ChildProcess.spawn(python, arguments: [script, directory.path, String(port)], outputFile: output)
        var announced: Int?
        _ = try await eventually(timeout: .seconds(15)) {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            announced = text.split(separator: "\n").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            return announced != nil || text.contains("Error")
        }
        guard let announced else {
            await child.terminate()
            throw TestFailure("the SMTP sink did not start: \((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
        }
        state.withLock { $0 = (child, announced) }
    }

    public func stop() async {
        let child = state.withLock { state in
            defer { state.process = nil }
            return state.process
        }
        await child?.terminate()
    }

    /// Stops the sink and deletes its mail.
    public func remove() async {
        await stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Every message received so far.
    public func messages() throws -> [ReceivedEmail] {
        try ReceivedEmail.all(in: directory)
    }
}

/// A message as the sink stored it, with the headers tests look at decoded.
public struct ReceivedEmail: Sendable {
    public let raw: String
    public let headers: [(name: String, value: String)]
    public let body: String

    init(raw: String) throws {
        self.raw = raw
        let normalized = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = normalized.components(separatedBy: "\n\n")
        var headers: [(String, String)] = []
        for line in parts[0].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.first == " " || line.first == "\t", let last = headers.popLast() {
                headers.append((last.0, last.1 + String(line.dropFirst())))
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
            }
        }
        self.headers = headers
        let encodedBody = parts.dropFirst().joined(separator: "\n").replacingOccurrences(of: "\n", with: "")
        self.body = Data(base64Encoded: encodedBody).map { String(decoding: $0, as: UTF8.self) } ?? encodedBody
    }

    /// Every message in a maildir (its `new` and `cur` folders).
    public static func all(in directory: URL) throws -> [ReceivedEmail] {
        var files: [URL] = []
        for folder in ["new", "cur"] {
            let url = directory.appendingPathComponent(folder)
            files += (try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? []
        }
        return try files.map { try ReceivedEmail(raw: String(decoding: Data(contentsOf: $0), as: UTF8.self)) }
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }.map { Self.decodeWords($0.value) }
    }

    public var subject: String? { header("Subject") }
    public var messageID: String? { header("Message-ID") }
    /// The address in `To:`.
    public var recipient: String? {
        guard let to = header("To"), let open = to.lastIndex(of: "<"), let close = to.lastIndex(of: ">") else { return header("To") }
        return String(to[to.index(after: open)..<close])
    }

    /// Decodes RFC 2047 `=?UTF-8?B?…?=` words.
    static func decodeWords(_ value: String) -> String {
        var result = ""
        var rest = Substring(value)
        while let start = rest.range(of: "=?UTF-8?B?") {
            result += rest[..<start.lowerBound].trimmingCharacters(in: .whitespaces).isEmpty ? "" : String(rest[..<start.lowerBound])
            let afterStart = rest[start.upperBound...]
            guard let end = afterStart.range(of: "?=") else { break }
            result += Data(base64Encoded: String(afterStart[..<end.lowerBound])).map { String(decoding: $0, as: UTF8.self) } ?? ""
            rest = afterStart[end.upperBound...]
        }
        return result + rest
    }
}
