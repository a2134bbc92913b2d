import Foundation
import HTTPKit
import NIOCore

/// What a ``JSONWritable`` value writes, and what `JSONEncoder` makes of it through its
/// `Encodable` conformance, each parsed by `JSONSerialization`: the two must be equal, so that a
/// field added to one and not the other is caught.
public func jsonWrittenBothWays<Value: JSONWritable & Encodable>(_ value: Value) throws -> (written: NSObject, encoded: NSObject) {
    var json = JSONOutput()
    value.write(to: &json)
    let written = try JSONSerialization.jsonObject(with: Data(json.buffer.readableBytesView), options: [.fragmentsAllowed])
    let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value), options: [.fragmentsAllowed])
    return (written as! NSObject, encoded as! NSObject)
}

/// The text a ``JSONWritable`` value writes.
public func jsonWritten(_ value: some JSONWritable) -> String {
    var json = JSONOutput()
    value.write(to: &json)
    return String(buffer: json.buffer)
}
