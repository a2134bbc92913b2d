import Hummingbird

/// Applies the configured body size limit: a declared length over it is refused before the body is read,
/// and ``ConduitRequestDecoder`` stops reading a streamed body at the same limit.
public struct RequestLimitsMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let maxBodyBytes: Int

    public init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw ConduitError(.contentTooLarge, "request body is larger than \(maxBodyBytes) bytes")
        }
        var context = context
        context.maxUploadSize = maxBodyBytes
        return try await next(request, context)
    }
}
