import Foundation
import Hummingbird

/// JSON responses: a ``JSONWritable`` body is written straight into the response's buffer, any
/// other `Encodable` goes through `JSONEncoder`, as Hummingbird's default encoder does.
public struct ConduitResponseEncoder: ResponseEncoder {
    public init() {}

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        guard let writable = value as? any JSONWritable else {
            return try JSONEncoder().encode(value, from: request, context: context)
        }
        var json = JSONOutput()
        writable.write(to: &json)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(json.buffer.readableBytes)],
            body: ResponseBody(byteBuffer: json.buffer)
        )
    }
}
