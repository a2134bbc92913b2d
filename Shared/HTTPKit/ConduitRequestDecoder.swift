import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Decodes JSON request bodies, turning every way a body can be wrong into a Conduit error:
/// 415 for another content type, 413 for an oversize body, 400 for malformed JSON, and 422 naming
/// the field for a missing field, a null or a value of the wrong type.
public struct ConduitRequestDecoder: RequestDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        guard Self.isJSON(request.headers[.contentType]) else {
            throw ConduitError(.unsupportedMediaType, "expected Content-Type: application/json")
        }
        let buffer = try await Self.collectBody(of: request, context: context)
        if NullCharacters.escaped(inJSON: buffer.readableBytesView) {
            throw ConduitError.invalid(NullCharacters.field(inJSON: Data(buffer.readableBytesView)) ?? "body", NullCharacters.message)
        }
        do {
            return try JSONDecoder().decode(T.self, from: buffer)
        } catch let error as DecodingError {
            throw Self.conduitError(for: error)
        }
    }

    /// The whole body, up to the context's upload limit: a body over it (one sent without a length;
    /// a declared length over it is refused before) is a 413.
    public static func collectBody(of request: Request, context: some RequestContext) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            throw ConduitError(.contentTooLarge, "request body is larger than \(context.maxUploadSize) bytes")
        }
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType =
            contentType.split(separator: ";", maxSplits: 1).first?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    static func conduitError(for error: DecodingError) -> ConduitError {
        switch error {
        case .keyNotFound(let key, let context):
            return .invalid(fieldName(context.codingPath + [key]), "can't be blank")
        case .valueNotFound(_, let context):
            return .invalid(fieldName(context.codingPath), "can't be blank")
        case .typeMismatch(let type, let context):
            return .invalid(fieldName(context.codingPath), "must be \(describe(type))")
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return ConduitError(.badRequest, "is not valid JSON")
        case .dataCorrupted(let context):
            return .invalid(fieldName(context.codingPath), "is invalid")
        @unknown default:
            return ConduitError(.badRequest, "could not be decoded")
        }
    }

    /// Conduit names fields by their own key (`email`), not their path (`user.email`).
    static func fieldName(_ path: [any CodingKey]) -> String {
        guard let last = path.last(where: { $0.intValue == nil }) else { return "body" }
        return last.stringValue
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is Double.Type: "a number"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}
