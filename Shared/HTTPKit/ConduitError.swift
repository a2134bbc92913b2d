import Foundation
import Hummingbird

/// An error in the Conduit API's shape: `{"errors": {"<field or body>": ["message"]}}`.
public struct ConduitError: HTTPResponseError, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let errors: [String: [String]]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, errors: [String: [String]], headers: HTTPFields = [:]) {
        self.status = status
        self.errors = errors
        self.headers = headers
    }

    public init(_ status: HTTPResponse.Status, field: String = "body", _ message: String) {
        self.init(status, errors: [field: [message]])
    }

    public static func unauthorized(_ message: String = "missing or invalid token") -> ConduitError {
        ConduitError(.unauthorized, field: "token", message)
    }

    public static func forbidden(_ message: String = "you are not allowed to do that") -> ConduitError {
        ConduitError(.forbidden, message)
    }

    public static func notFound(_ what: String = "resource") -> ConduitError {
        ConduitError(.notFound, field: what, "not found")
    }

    public static func invalid(_ field: String, _ message: String) -> ConduitError {
        ConduitError(.unprocessableContent, field: field, message)
    }

    public static func unavailable(_ message: String = "service temporarily unavailable, try again") -> ConduitError {
        ConduitError(.serviceUnavailable, message)
    }

    /// The service's database cannot be reached: the client may try again in a second.
    public static func databaseUnavailable(requestID: String) -> ConduitError {
        ConduitError(
            .serviceUnavailable, errors: ["body": ["database unavailable, try again (request id \(requestID))"]], headers: [.retryAfter: "1"])
    }

    public var description: String {
        "\(status.code) \(errors.map { "\($0.key): \($0.value.joined(separator: ", "))" }.sorted().joined(separator: "; "))"
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONEncoder.conduitErrors.encode(["errors": errors])
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension JSONEncoder {
    static let conduitErrors: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()
}
