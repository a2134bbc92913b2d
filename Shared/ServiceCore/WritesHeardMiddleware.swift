import HTTPKit
import Hummingbird
import Persistence

/// Answers a write only when every replica that answers reads from memory has heard of it (see
/// ``ReadCoherence``), so that its writer's next request sees it whichever replica answers. Errors
/// pass at once: a refused write changed nothing.
public struct WritesHeardMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let coherence: ReadCoherence

    public init(coherence: ReadCoherence) {
        self.coherence = coherence
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        guard request.method != .get, request.method != .head, response.status.code < 400 else { return response }
        await coherence.awaitEveryReplica(logger: context.logger)
        return response
    }
}
