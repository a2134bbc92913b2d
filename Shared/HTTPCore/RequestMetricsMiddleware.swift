import Dispatch
import HTTPTypes
import Hummingbird
import Metrics
import Synchronization

/// Hummingbird's `MetricsMiddleware`: the same metrics under the same names and dimensions, but
/// recorded when the handler returns its response rather than after the body has been written.
///
/// Hummingbird's middleware wraps every body in a closure to learn when it has been written, and a
/// body that is a closure goes out as three writes (head, body, end), each a hand-over to the event
/// loop and a `write(2)` of its own, where a body of one buffer goes out with its head in one.
/// Every response of ours is one buffer, made before the handler returns, so the time left after
/// it is the socket's.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let instruments = RequestInstruments()

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let active = instruments.active(request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            let route = instruments.route(context.endpointPath ?? "Unknown", method: request.method, status: response.status)
            route.requests.increment()
            route.duration.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let route = instruments.route(context.endpointPath ?? "NotFound", method: request.method, status: status)
            route.requests.increment()
            route.errors.increment()
            throw error
        }
    }
}

/// The metrics of each method and of each route, method and status, made on first use.
final class RequestInstruments: Sendable {
    struct Route: Sendable {
        let requests: Counter
        let duration: Timer
        let errors: Counter
    }

    private struct RouteKey: Hashable {
        let path: String
        let method: HTTPRequest.Method
        let status: HTTPResponse.Status
    }

    private let activeByMethod = Mutex<[HTTPRequest.Method: Meter]>([:])
    private let routes = Mutex<[RouteKey: Route]>([:])

    func active(_ method: HTTPRequest.Method) -> Meter {
        activeByMethod.withLock { meters in
            if let meter = meters[method] { return meter }
            let meter = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.description)])
            meters[method] = meter
            return meter
        }
    }

    func route(_ path: String, method: HTTPRequest.Method, status: HTTPResponse.Status) -> Route {
        let key = RouteKey(path: path, method: method, status: status)
        return routes.withLock { routes in
            if let route = routes[key] { return route }
            let request = [("http.route", path), ("http.request.method", method.description)]
            let code = status.code.description
            let answered = request + [("http.response.status_code", code)]
            let route = Route(
                requests: Counter(label: "hb.requests", dimensions: answered),
                duration: Timer(label: "http.server.request.duration", dimensions: answered, preferredDisplayUnit: .seconds),
                errors: Counter(label: "hb.request.errors", dimensions: request + [("error.type", code)])
            )
            routes[key] = route
            return route
        }
    }
}
