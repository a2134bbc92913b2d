import Foundation
import Hummingbird

/// PostgreSQL's text cannot hold U+0000 (it refuses it with SQLSTATE 22021), so no request may
/// carry one into a query: a JSON body or a URI that holds one is a 422 naming where it was.
public enum NullCharacters {
    public static let message = "must not contain the character U+0000"

    /// Whether a JSON text holds an escaped U+0000 (`\u0000`). A raw NUL byte is not valid JSON,
    /// so the decoder refuses that one by itself.
    static func escaped(inJSON bytes: some Sequence<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "\\") else { continue }
            // The escaped character is consumed here, so `\\u0000` (a backslash, then text) is not a match.
            guard iterator.next() == UInt8(ascii: "u") else { continue }
            var digits = 0
            while digits < 4, iterator.next() == UInt8(ascii: "0") { digits += 1 }
            if digits == 4 { return true }
        }
        return false
    }

    /// The first field whose key or text holds U+0000, named by its own key as Conduit names fields.
    static func field(inJSON data: Data) -> String? {
        guard let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
        return field(in: value, key: "body")
    }

    private static func field(in value: Any, key: String) -> String? {
        switch value {
        case let text as String:
            return text.unicodeScalars.contains("\0") ? key : nil
        case let array as [Any]:
            return array.lazy.compactMap { field(in: $0, key: key) }.first
        case let object as [String: Any]:
            for (name, member) in object.sorted(by: { $0.key < $1.key }) {
                if name.unicodeScalars.contains("\0") { return key }
                if let found = field(in: member, key: name) { return found }
            }
            return nil
        default:
            return nil
        }
    }

    /// The 422 for a URI holding an encoded U+0000 (`%00`): it names the query parameter, else
    /// the query or the path.
    static func uriError(_ request: Request) -> ConduitError? {
        let uri = request.uri.description
        guard uri.contains("%00") else { return nil }
        var errors = FieldErrors()
        for (name, value) in request.uri.queryParameters where value.unicodeScalars.contains("\0") {
            errors.add(String(name), message)
        }
        if errors.isEmpty {
            let path = uri.prefix { $0 != "?" }
            errors.add(path.contains("%00") ? "path" : "query", message)
        }
        return ConduitError(.unprocessableContent, errors: errors.errors)
    }
}

/// Refuses a request whose path or query holds an encoded U+0000, before any route sees it.
public struct NullCharacterMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let error = NullCharacters.uriError(request) { throw error }
        return try await next(request, context)
    }
}
