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
