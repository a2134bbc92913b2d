import Foundation

/// A configuration value that the service cannot start with.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let variable: String
    public let value: String
    public let expected: String

    public init(variable: String, value: String, expected: String) {
        self.variable = variable
        self.value = value
        self.expected = expected
    }

    public var description: String {
        "invalid configuration: \(variable)=\"\(value)\": expected \(expected)"
    }
}

/// Reads settings with `read`; when a value is wrong, prints what is wrong to standard error and
/// stops the process with exit code 78 (EX_CONFIG): a service must not start with a bad value.
public func readSettingsOrExit<Value>(of serviceName: String, _ read: () throws(ConfigurationError) -> Value) -> Value {
    do {
        return try read()
    } catch {
        exitForConfiguration(of: serviceName, error.description)
    }
}

/// Prints `message` to standard error and stops the process with exit code 78 (EX_CONFIG): what
/// is wrong is the service's configuration, which no retry mends.
public func exitForConfiguration(of serviceName: String, _ message: String) -> Never {
    FileHandle.standardError.write(Data("\(serviceName): \(message)\n".utf8))
    exit(78)
}
