import Basics
import Foundation
import Hummingbird
import Logging
import NIOCore

/// One log line per request: method, path, status and duration. Health and metrics probes log at debug.
public struct AccessLogMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let path = request.uri.path
        let level: Logger.Level = path.hasPrefix("/health/") || path == "/metrics" ? .debug : .info
        context.logger.log(
            level: level,
            "\(request.method) \(path) \(response.status.code)",
            metadata: [
                "method": "\(request.method)",
                "path": "\(path)",
                "status": "\(response.status.code)",
                "duration_ms": "\(String(format: "%.2f", elapsed.seconds * 1000))",
            ]
        )
        return response
    }
}
