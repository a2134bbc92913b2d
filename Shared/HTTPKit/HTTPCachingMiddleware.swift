import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension HTTPField.Name {
    /// nginx's instruction to its cache (never passed on to clients): `@<unix time>` is the last
    /// second in which the stored answer may be served.
    public static let accelExpires = HTTPField.Name("X-Accel-Expires")!
}

/// HTTP caching for the public reads (lists, an article, comments, tags, profiles): a `200` to a
/// `GET` gets an `ETag` (a hash of its body), and a request whose `If-None-Match` names it gets
/// `304 Not Modified` without the body. Clients must revalidate before each use
/// (`Cache-Control: no-cache`; `private` when the request carried a token, whose answer is that
/// user's). An anonymous answer may also be kept by the gateway's shared cache until the end of the
/// second it was made in (`X-Accel-Expires`), so that nobody is served data more than 1 s older
/// than a write; a request with a token never uses that cache (the gateway sees to it), so a
/// writer reads its own change on its next request.
public struct HTTPCachingMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        guard request.method == .get || request.method == .head, response.status == .ok else { return response }
        let body = try await Self.collect(response.body)
        let anonymous = request.headers[.authorization] == nil
        var headers = response.headers
        let etag = Self.entityTag(of: body)
        headers[.eTag] = etag
        headers[.cacheControl] = anonymous ? "no-cache" : "private, no-cache"
        headers[.vary] = "Authorization"
        if anonymous { headers[.accelExpires] = Self.sharedCacheExpiry(answeredAt: Date()) }
        if Self.matches(etag, request.headers[values: .ifNoneMatch]) {
            headers[.contentLength] = nil
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// `@T`, T the second `date` falls in: the gateway serves the answer until that second ends.
    static func sharedCacheExpiry(answeredAt date: Date) -> String {
        "@\(Int(date.timeIntervalSince1970.rounded(.down)))"
    }

    /// A strong validator: the first 128 bits of the body's SHA-256, base64url.
    static func entityTag(of body: ByteBuffer) -> String {
        let digest = body.withUnsafeReadableBytes { SHA256.hash(data: $0) }
        var tag = "\""
        for character in Data(digest.prefix(16)).base64EncodedString().unicodeScalars {
            switch character {
            case "+": tag.unicodeScalars.append("-")
            case "/": tag.unicodeScalars.append("_")
            case "=": continue
            default: tag.unicodeScalars.append(character)
            }
        }
        return tag + "\""
    }

    /// `If-None-Match` compares weakly (RFC 9110, 13.1.2): `W/"x"` matches `"x"`, and `*` matches any.
    static func matches(_ etag: String, _ fields: [String]) -> Bool {
        for field in fields {
            for candidate in field.split(separator: ",") {
                var tag = candidate.trimmingCharacters(in: .whitespaces)
                if tag == "*" { return true }
                if tag.hasPrefix("W/") { tag.removeFirst(2) }
                if tag == etag { return true }
            }
        }
        return false
    }

    private static func collect(_ body: ResponseBody) async throws -> ByteBuffer {
        let collected = CollectedBody()
        try await body.write(CollectingWriter(collected: collected))
        return collected.buffer
    }
}

/// What a response body wrote; only the task that writes the body touches it.
private final class CollectedBody: @unchecked Sendable {
    var buffer = ByteBuffer()
}

private struct CollectingWriter: ResponseBodyWriter {
    let collected: CollectedBody

    mutating func write(_ buffer: ByteBuffer) async throws {
        if collected.buffer.readableBytes == 0 {
            collected.buffer = buffer
        } else {
            var buffer = buffer
            collected.buffer.writeBuffer(&buffer)
        }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
