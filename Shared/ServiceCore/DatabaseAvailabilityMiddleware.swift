import HTTPKit
import Hummingbird
import Persistence

/// Guards the routes that need the service's database: while the database monitor finds it
/// unreachable they answer 503 with `Retry-After` at once, and a request already waiting for the
/// database when it is found unreachable is answered so too, instead of waiting out the pool's attempts.
struct DatabaseAvailabilityMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let availability: DatabaseAvailability

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard availability.isReachable else { throw ConduitError.databaseUnavailable(requestID: context.requestID) }
        // The request runs in a child task, which the group can cancel: cancelling the request's own task would
        // end its connection. The group waits for the child, so `next` does not outlive this call.
        return try await withoutActuallyEscaping(next) { next in
            nonisolated(unsafe) let next = next
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await next(request, context) }
                group.addTask {
                    await availability.waitUntilUnreachable()
                    return nil
                }
                defer { group.cancelAll() }
                guard let response = try await group.next() ?? nil else {
                    context.logger.warning("the database became unreachable while the request waited for it")
                    throw ConduitError.databaseUnavailable(requestID: context.requestID)
                }
                return response
            }
        }
    }
}
