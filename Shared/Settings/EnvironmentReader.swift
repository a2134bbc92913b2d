import Foundation
import Logging

/// Reads typed configuration values from environment variables, with defaults, and names the
/// variable and what it expected when a value cannot be used.
public struct EnvironmentReader: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The raw value, or nil when the variable is unset or empty.
    public func raw(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    public func string(_ name: String, default defaultValue: String) -> String {
        raw(name) ?? defaultValue
    }

    public func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = raw(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(variable: name, value: text, expected: "an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    public func seconds(_ name: String, default defaultValue: Double, in range: ClosedRange<Double>) throws(ConfigurationError) -> Duration {
        guard let text = raw(name) else { return .milliseconds(Int64(defaultValue * 1000)) }
        guard let value = Double(text), range.contains(value) else {
            throw ConfigurationError(variable: name, value: text, expected: "a number of seconds from \(range.lowerBound) to \(range.upperBound)")
        }
        return .milliseconds(Int64(value * 1000))
    }

    public func choice<Value: RawRepresentable & CaseIterable>(_ name: String, default defaultValue: Value) throws(ConfigurationError) -> Value
    where Value.RawValue == String {
        guard let text = raw(name) else { return defaultValue }
        guard let value = Value(rawValue: text.lowercased()) else {
            let options = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: name, value: text, expected: "one of \(options)")
        }
        return value
    }

    /// A comma-separated list of http(s) base URLs (one per replica), without trailing slashes.
    public func urls(_ name: String, default defaultValue: String, describing what: String) throws(ConfigurationError) -> [String] {
        let text = string(name, default: defaultValue)
        let list = text.split(separator: ",").map { url in
            let trimmed = url.trimmingCharacters(in: .whitespaces)
            return trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
        }
        guard !list.isEmpty, list.allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") }) else {
            throw ConfigurationError(variable: name, value: text, expected: "http(s) base URLs of \(what), comma-separated")
        }
        return list
    }

    public func boolean(_ name: String, default defaultValue: Bool) throws(ConfigurationError) -> Bool {
        guard let text = raw(name) else { return defaultValue }
        switch text.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw ConfigurationError(variable: name, value: text, expected: "true or false")
        }
    }

    public func logLevel(_ name: String, default defaultValue: Logger.Level) throws(ConfigurationError) -> Logger.Level {
        guard let text = raw(name) else { return defaultValue }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let options = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: name, value: text, expected: "one of \(options)")
        }
        return level
    }
}
