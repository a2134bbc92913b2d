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
/// array is preceded by one.
public struct JSONOutput {
    public private(set) var buffer: ByteBuffer
    private var needsComma = false

    public init(capacity: Int = 1024) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// An object whose fields `writeFields` writes with ``field(_:_:)``.
    public mutating func object(_ writeFields: (inout JSONOutput) -> Void) {
        beginValue()
        buffer.writeInteger(UInt8(ascii: "{"))
        needsComma = false
        writeFields(&self)
        buffer.writeInteger(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func field(_ key: StaticString, _ value: some JSONWritable) {
        beginValue()
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeStaticString(key)
        buffer.writeStaticString("\":")
        needsComma = false
        value.write(to: &self)
    }

    /// Nothing for nil, as the synthesized `Encodable` leaves the key out.
    public mutating func field(_ key: StaticString, ifPresent value: (some JSONWritable)?) {
        if let value { field(key, value) }
    }

    public mutating func array(_ elements: some Sequence<some JSONWritable>) {
        beginValue()
        buffer.writeInteger(UInt8(ascii: "["))
        needsComma = false
        for element in elements { element.write(to: &self) }
        buffer.writeInteger(UInt8(ascii: "]"))
        needsComma = true
    }

    public mutating func string(_ value: String) {
        beginValue()
        buffer.writeInteger(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { writeEscaped($0) }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    public mutating func bool(_ value: Bool) {
        beginValue()
        buffer.writeStaticString(value ? "true" : "false")
    }

    public mutating func integer(_ value: some BinaryInteger) {
        beginValue()
        buffer.writeString(String(value))
    }

    private mutating func beginValue() {
        if needsComma { buffer.writeInteger(UInt8(ascii: ",")) }
        needsComma = true
    }

    /// RFC 8259's escapes: the quote, the backslash and the control characters; every other byte
    /// of the (valid) UTF-8 goes as it is, in runs.
    private mutating func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in bytes.indices {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart..<index])))
            switch byte {
            case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            default:
                buffer.writeStaticString("\\u00")
                buffer.writeInteger(Self.hexDigits[Int(byte >> 4)])
                buffer.writeInteger(Self.hexDigits[Int(byte & 0xF)])
            }
            runStart = index + 1
        }
        buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart...])))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

extension String: JSONWritable {
    public func write(to json: inout JSONOutput) { json.string(self) }
}

extension Bool: JSONWritable {
    public func write(to json: inout JSONOutput) { json.bool(self) }
}

extension Int: JSONWritable {
    public func write(to json: inout JSONOutput) { json.integer(self) }
}

extension Int64: JSONWritable {
    public func write(to json: inout JSONOutput) { json.integer(self) }
}

extension Array: JSONWritable where Element: JSONWritable {
    public func write(to json: inout JSONOutput) { json.array(self) }
}
