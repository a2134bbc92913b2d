import Foundation
import Logging
import NIOConcurrencyHelpers
import OTel

/// How log lines are written (`LOG_FORMAT`).
public enum LogFormat: String, CaseIterable, Sendable {
    case logfmt
    case json
}

/// A swift-log handler writing one line per event to standard output, as logfmt or JSON.
public struct StructuredLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let label: String
    private let format: LogFormat
    private let output: LogOutput

    public init(label: String, format: LogFormat, level: Logger.Level, output: LogOutput = .standardOutput) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()),
            ("level", event.level.rawValue),
            ("logger", label),
            ("msg", event.message.description),
        ]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() {
            fields.append((key, merged[key]!.description))
        }
        if event.level >= .debug, logLevel <= .debug {
            fields.append(("source", "\(event.file):\(event.line)"))
        }
        let line = format == .json ? Self.json(fields) : Self.logfmt(fields)
        output.write(line + "\n")
    }

    static func logfmt(_ fields: [(String, String)]) -> String {
        fields.map { key, value in
            let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline }
            guard needsQuotes else { return "\(key)=\(value)" }
            let escaped =
                value
                .replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(escaped)\""
        }.joined(separator: " ")
    }

    static func json(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(jsonString($0.0)):\(jsonString($0.1))" }.joined(separator: ",") + "}"
    }

    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    static func timestamp() -> String {
        Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// Where log lines go; a lock keeps lines from interleaving.
public final class LogOutput: Sendable {
    public static let standardOutput = LogOutput { line in
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    private let lock = NIOLock()
    private let sink: @Sendable (String) -> Void

    public init(_ sink: @escaping @Sendable (String) -> Void) {
        self.sink = sink
    }

    func write(_ line: String) {
        lock.withLock { sink(line) }
    }
}

extension Logger {
    /// A logger for a service, in the format and at the level its configuration asks for. A line
    /// written inside a span carries its `trace_id` and `span_id` (beside the `request_id` while a
    /// request is handled).
    public static func service(_ configuration: HTTPConfiguration, output: LogOutput = .standardOutput) -> Logger {
        var logger = Logger(label: configuration.serviceName) { label in
            var handler = StructuredLogHandler(label: label, format: configuration.logFormat, level: configuration.logLevel, output: output)
            handler.metadataProvider = traceMetadata
            return handler
        }
        logger.logLevel = configuration.logLevel
        return logger
    }
}

/// The current span's ids, from swift-otel's span context.
private let traceMetadata = OTel.makeLoggingMetadataProvider()
