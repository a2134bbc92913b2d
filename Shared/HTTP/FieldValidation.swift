/// Collects what is wrong with a request's fields, so that a client learns about every bad field
/// at once, in Conduit's 422 shape: `{"errors": {"email": ["can't be blank"]}}`.
public struct FieldErrors: Sendable {
    public private(set) var errors: [String: [String]] = [:]

    public init() {}

    public var isEmpty: Bool { errors.isEmpty }

    public mutating func add(_ field: String, _ message: String) {
        errors[field, default: []].append(message)
    }

    /// Checks a required text field: not blank, and within `length` characters. Returns whether it passed.
    @discardableResult
    public mutating func check(_ field: String, _ value: String, length: ClosedRange<Int>) -> Bool {
        if value.allSatisfy(\.isWhitespace) {
            add(field, "can't be blank")
            return false
        }
        return checkLength(field, value, length)
    }

    /// Checks an optional text field that may be empty: at most `maximum` characters.
    @discardableResult
    public mutating func checkLength(_ field: String, _ value: String, _ length: ClosedRange<Int>) -> Bool {
        if value.count < length.lowerBound {
            add(field, "is too short (minimum is \(length.lowerBound) characters)")
            return false
        }
        if value.count > length.upperBound {
            add(field, "is too long (maximum is \(length.upperBound) characters)")
            return false
        }
        return true
    }

    /// Throws the collected errors as a 422, if there are any.
    public func throwIfAny() throws(ConduitError) {
        guard errors.isEmpty else { throw ConduitError(.unprocessableContent, errors: errors) }
    }
}
