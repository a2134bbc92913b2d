import Hummingbird
import Persistence

/// Turns every error into a response with the Conduit error body, and never lets internals
/// (SQL, stack traces, file paths) reach the client: those go to the log with the request id.
public struct ConduitErrorMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let conduitError = Self.conduitError(for: error, request: request, context: context)
            if conduitError.status == .serviceUnavailable {
                // What is unavailable (a database, another service) says so in its own log lines, once.
                context.logger.warning("request answered 503", metadata: ["error": "\(conduitError)"])
            } else if conduitError.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            } else {
                context.logger.debug("request rejected", metadata: ["error": "\(conduitError)"])
            }
            return try conduitError.response(from: request, context: context)
        }
    }

    static func conduitError(for error: any Error, request: Request, context: Context) -> ConduitError {
        if DatabaseErrors.isUnreachable(error) {
            return .databaseUnavailable(requestID: context.requestID)
        }
        if DatabaseErrors.isUnstorableCharacter(error) {
            return ConduitError(.unprocessableContent, "contains a character that cannot be stored")
        }
        switch DatabaseErrors.unwrap(error) {
        case let error as ConduitError:
            return error
        case let error as HTTPError:
            let message: String =
                switch error.status {
                case .notFound: "no route for \(request.method) \(request.uri.path)"
                case .methodNotAllowed: "method \(request.method) is not allowed here"
                case .contentTooLarge: "request body is larger than \(context.maxUploadSize) bytes"
                default: error.body ?? error.status.reasonPhrase.lowercased()
                }
            return ConduitError(error.status, errors: ["body": [message]], headers: error.headers)
        case let error as any HTTPResponseError where error.status.code < 500:
            return ConduitError(error.status, error.status.reasonPhrase.lowercased())
        default:
            return ConduitError(.internalServerError, "internal error (request id \(context.requestID))")
        }
    }
}
