import NIOCore

/// A value that writes itself as JSON into a ``JSONOutput``. The hot responses (articles,
/// comments, profiles, tags) conform, so that ``ConduitResponseEncoder`` writes them straight into
/// the response's buffer: `JSONEncoder` built a tree of boxed values first, and cost a quarter of
/// the CPU of a list of articles. Their `Encodable` conformance stays the one other encoders use.
public protocol JSONWritable {
    func write(to json: inout JSONOutput)
}

/// JSON written into a `ByteBuffer` as it is produced: objects, arrays, and the values inside.
/// Commas come by themselves: a value, or a key, written after another in the same object or
/// array is preceded by one. (Inlinable, so that each use is specialized for its types.)
public struct JSONOutput {
    /// What was written so far.
    public var buffer: ByteBuffer { written }
    @usableFromInline var written: ByteBuffer
    @usableFromInline var needsComma = false

    @inlinable public init(capacity: Int = 1024) {
        written = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// An object whose fields `writeFields` writes with ``field(_:_:)``.
    @inlinable public mutating func object(_ writeFields: (inout JSONOutput) -> Void) {
        beginValue()
        written.writeInteger(UInt8(ascii: "{"))
        needsComma = false
        writeFields(&self)
        written.writeInteger(UInt8(ascii: "}"))
        needsComma = true
    }

    @inlinable public mutating func field(_ key: StaticString, _ value: some JSONWritable) {
        beginValue()
        written.writeInteger(UInt8(ascii: "\""))
        written.writeStaticString(key)
        written.writeStaticString("\":")
        needsComma = false
        value.write(to: &self)
    }

    /// Nothing for nil, as the synthesized `Encodable` leaves the key out.
    @inlinable public mutating func field(_ key: StaticString, ifPresent value: (some JSONWritable)?) {
        if let value { field(key, value) }
    }

    @inlinable public mutating func array(_ elements: some Sequence<some JSONWritable>) {
        beginValue()
        written.writeInteger(UInt8(ascii: "["))
        needsComma = false
        for element in elements { element.write(to: &self) }
        written.writeInteger(UInt8(ascii: "]"))
        needsComma = true
    }

    @inlinable public mutating func string(_ value: String) {
        beginValue()
        written.writeInteger(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { writeEscaped($0) }
        written.writeInteger(UInt8(ascii: "\""))
    }

    @inlinable public mutating func bool(_ value: Bool) {
        beginValue()
        written.writeStaticString(value ? "true" : "false")
    }

    @inlinable public mutating func integer(_ value: some BinaryInteger) {
        beginValue()
        written.writeString(String(value))
    }

    @inlinable mutating func beginValue() {
        if needsComma { written.writeInteger(UInt8(ascii: ",")) }
        needsComma = true
    }

    /// RFC 8259's escapes: the quote, the backslash and the control characters; every other byte
    /// of the (valid) UTF-8 goes as it is, in runs.
    @usableFromInline mutating func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in bytes.indices {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            written.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart..<index])))
            switch byte {
            case UInt8(ascii: "\""): written.writeStaticString("\\\"")
            case UInt8(ascii: "\\"): written.writeStaticString("\\\\")
            case UInt8(ascii: "\n"): written.writeStaticString("\\n")
            case UInt8(ascii: "\r"): written.writeStaticString("\\r")
            case UInt8(ascii: "\t"): written.writeStaticString("\\t")
            default:
                written.writeStaticString("\\u00")
                written.writeInteger(Self.hexDigits[Int(byte >> 4)])
                written.writeInteger(Self.hexDigits[Int(byte & 0xF)])
            }
            runStart = index + 1
        }
        written.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart...])))
    }

    static let hexDigits = Array("0123456789abcdef".utf8)
}

extension String: JSONWritable {
    @inlinable public func write(to json: inout JSONOutput) { json.string(self) }
}

extension Bool: JSONWritable {
    @inlinable public func write(to json: inout JSONOutput) { json.bool(self) }
}

extension Int: JSONWritable {
    @inlinable public func write(to json: inout JSONOutput) { json.integer(self) }
}

extension Int64: JSONWritable {
    @inlinable public func write(to json: inout JSONOutput) { json.integer(self) }
}

extension Array: JSONWritable where Element: JSONWritable {
    @inlinable public func write(to json: inout JSONOutput) { json.array(self) }
}
