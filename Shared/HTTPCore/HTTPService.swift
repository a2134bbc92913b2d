import HTTPKit
import Hummingbird
import Logging
import ServiceLifecycle

/// A service's HTTP side, which web and the API services share: its configuration and logger, the
/// tracer (when tracing is on), and the router and application builders that give every service
/// the same middleware around its own error handling, and the same health and metrics routes.
public struct HTTPService: Sendable {
    public let configuration: HTTPConfiguration
    public let logger: Logger
    /// Exports the spans when tracing is on; runs first in the service group, so that it stops last.
    let traceExport: (any Service)?

    /// Bootstraps the process's tracer (before any HTTP client is made: AsyncHTTPClient takes it then)
    /// and its metrics (before any counter or gauge is made: one made earlier, such as the outbox
    /// relay's, which a service makes before its router, counts nowhere).
    public init(configuration: HTTPConfiguration, logger: Logger? = nil) {
        self.configuration = configuration
        self.logger = logger ?? .service(configuration)
        self.traceExport = TraceExport.bootstrap(configuration, logger: self.logger)
        _ = PrometheusMetrics.registry
    }

    /// A router whose middleware are, in order: the request's span (when tracing is on), its id, its
    /// metrics and its access log; then `errorHandling` (what turns an error into the service's
    /// answer, and any headers of its own); then the limits on what a request may send.
    public func makeRouter<ErrorHandling: MiddlewareProtocol>(
        @MiddlewareFixedTypeBuilder<Request, Response, AppRequestContext> errorHandling: () -> ErrorHandling
    ) -> Router<AppRequestContext>
    where ErrorHandling.Input == Request, ErrorHandling.Output == Response, ErrorHandling.Context == AppRequestContext {
        let router = Router(context: AppRequestContext.self)
        router.addMiddleware {
            // First, so that every other middleware's work and log lines are inside the request's span.
            // Left out when tracing is off: with the no-op tracer it still built every span's attributes.
            if configuration.tracesEndpoint != nil { TracingMiddleware() }
            RequestIDMiddleware()
            RequestMetricsMiddleware()
            AccessLogMiddleware()
        }
        router.addMiddleware(buildMiddlewareStack: errorHandling)
        router.addMiddleware {
            RequestLimitsMiddleware(maxBodyBytes: configuration.maxBodyBytes)
            NullCharacterMiddleware()
        }
        return router
    }

    /// `/health/live`, `/health/ready` (`checks`, with `details` beside them) and `/metrics`.
    public func addHealthAndMetricsRoutes(to router: Router<AppRequestContext>, checks: [ReadinessCheck], details: [HealthDetail] = []) {
        HealthController(checks: checks, details: details, timeout: configuration.readinessTimeout).addRoutes(to: router)
        PrometheusMetrics.addRoutes(to: router)
    }

    /// The service's application: the HTTP server on the configured address, with `services` beside
    /// it (after the tracer's exporter and the allocator's trim).
    public func makeApplication(router: Router<AppRequestContext>, services: [any Service]) -> Application<RouterResponder<AppRequestContext>> {
        Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
            services: [traceExport].compactMap { $0 } + [AllocatorTrim()] + services,
            logger: logger
        )
    }

    /// The HTTP server of a router for the routes only other services call (`/internal/…`), on a port
    /// of its own, which the gateway never proxies to: no path the gateway forwards can reach these
    /// routes however it is encoded. List it among the application's services. `onListening` learns
    /// the port it listens on (the system's choice when `port` is 0).
    public func internalListener(
        _ router: Router<AppRequestContext>, port: Int, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        let logger = logger.component("internal-listener")
        let application = Application(
            router: router, configuration: .init(address: .hostname(configuration.host, port: port)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
        return InternalListener(application: application, port: port, logger: logger)
    }
}

/// Runs an internal router's server, and says in the log why it stopped if it failed (a port
/// already taken, most likely), since that stops the whole service.
struct InternalListener<Base: ApplicationProtocol>: Service {
    let application: Base
    let port: Int
    let logger: Logger

    func run() async throws {
        do {
            try await application.run()
        } catch {
            logger.critical("the internal listener failed", metadata: ["port": "\(port)", "error": "\(error)"])
            throw error
        }
    }
}
