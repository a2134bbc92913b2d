/// Collects what is wrong with a request's fields, so that a client learns about every bad field
/// at once, in Conduit's 422 shape: `{"errors": {"email": ["can't be blank"]}}`.
public struct FieldErrors: Sendable {
    public private(set) var errors: [String: [String]] = [:]

    public init() {}

    public var isEmpty: Bool { errors.isEmpty }

    public mutating func add(_ field: String, _ message: String) {
        errors[field, default: []].append(message)
    }

    /// Checks a required text field: not blank, and within `length` characters and `maximumBytes`
    /// bytes of UTF-8. Returns whether it passed.
    @discardableResult
    public mutating func check(_ field: String, _ value: String, length: ClosedRange<Int>, maximumBytes: Int? = nil) -> Bool {
        if value.allSatisfy(\.isWhitespace) {
            add(field, "can't be blank")
            return false
        }
        return checkLength(field, value, length, maximumBytes: maximumBytes)
    }

    /// Checks a text field that may be empty: within `length` characters and `maximumBytes` bytes
    /// of UTF-8. Characters are grapheme clusters, and one of them can be kilobytes long, so the
    /// bytes are limited too: by default to four per character, what any real text stays within.
    @discardableResult
    public mutating func checkLength(_ field: String, _ value: String, _ length: ClosedRange<Int>, maximumBytes: Int? = nil) -> Bool {
        let maximumBytes = maximumBytes ?? Self.defaultMaximumBytes(for: length)
        if value.utf8.count > maximumBytes {
            add(field, "is too long (maximum is \(maximumBytes) bytes)")
            return false
        }
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

    public static func defaultMaximumBytes(for length: ClosedRange<Int>) -> Int {
        length.upperBound * 4
    }

    /// Throws the collected errors as a 422, if there are any.
    public func throwIfAny() throws(ConduitError) {
        guard errors.isEmpty else { throw ConduitError(.unprocessableContent, errors: errors) }
    }
}
