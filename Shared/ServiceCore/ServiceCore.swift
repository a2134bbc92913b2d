// ServiceCore: what every service is built from, on top of the other shared targets. The
// configuration every service reads (`ServiceConfiguration`), its structured logs, Prometheus
// metrics and health routes, its database client and start-up migrations, and the router and
// application builders that give every service the same middleware and behaviour; it also wires
// Messaging (`makeMessaging`, `retentionSweep`) and Authentication (`makeTokenVerifier`) into a
// service. Process-wide instrumentation is bootstrapped here: metrics, and traces (swift-otel)
// when an OTLP endpoint is configured; and `ServiceProcess.prepare()` sets what the process runs
// on (Swift Concurrency on NIO's event loops).
//
// Depends on every other shared target, Hummingbird, NIO, PostgresNIO, swift-prometheus and swift-otel.

import Basics
import HTTPKit
import Hummingbird
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Settings

/// What every service is built from: its configuration, its logger and its database client,
/// with the router and application builders that give every service the same middleware,
/// health, metrics and start-up behaviour.
public struct ServiceCore: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger
    public let database: PostgresClient
    /// Whether the database answers, kept current by the ``DatabaseMonitor`` the application runs.
    public let databaseAvailability = DatabaseAvailability()
    /// Exports the spans when tracing is on; runs first in the service group, so that it stops last.
    let traceExport: (any Service)?

    public init(configuration: ServiceConfiguration, logger: Logger? = nil) {
        self.configuration = configuration
        self.logger = logger ?? .service(configuration)
        self.traceExport = TraceExport.bootstrap(configuration, logger: self.logger)
        self.database = PostgresClient(
            configuration: configuration.database.postgresClientConfiguration, backgroundLogger: self.logger.component("postgres")
        )
    }

    /// A router with the shared middleware (request id, metrics, access log, limits, Conduit errors)
    /// and the health and metrics routes; the service adds its own routes to it, those that use the
    /// database through ``databaseRoutes(_:)``. Readiness is the database's and `readinessChecks`';
    /// `healthDetails` are reported beside it.
    public func makeRouter(readinessChecks: [ReadinessCheck] = [], healthDetails: [HealthDetail] = []) -> Router<AppRequestContext> {
        let router = makeBareRouter()
        _ = PrometheusMetrics.registry
        HealthController(
            checks: [.database(database, availability: databaseAvailability, logger: logger)] + readinessChecks, details: healthDetails,
            timeout: configuration.readinessTimeout
        ).addRoutes(to: router)
        PrometheusMetrics.addRoutes(to: router)
        return router
    }

    /// Where to add the routes that need the database: while it is unreachable they answer 503 at once.
    public func databaseRoutes(_ router: Router<AppRequestContext>) -> RouterGroup<AppRequestContext> {
        router.group().add(middleware: DatabaseAvailabilityMiddleware(availability: databaseAvailability))
    }

    /// A router for the routes only other services call (`/internal/…`), with the shared middleware.
    /// Serve it with ``internalListener(_:port:)``: on a port of its own, which the gateway never
    /// proxies to, no path the gateway forwards can reach these routes however it is encoded.
    public func makeInternalRouter() -> Router<AppRequestContext> {
        makeBareRouter()
    }

    /// The HTTP server of an internal router; list it among the application's services.
    /// `onListening` learns the port it listens on (the system's choice when `port` is 0).
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

    private func makeBareRouter() -> Router<AppRequestContext> {
        let router = Router(context: AppRequestContext.self)
        router.addMiddleware {
            // First, so that every other middleware's work and log lines are inside the request's span.
            // Left out when tracing is off: with the no-op tracer it still built every span's attributes.
            if configuration.tracesEndpoint != nil { TracingMiddleware() }
            RequestIDMiddleware()
            RequestMetricsMiddleware()
            AccessLogMiddleware()
            ConduitErrorMiddleware()
            RequestLimitsMiddleware(maxBodyBytes: configuration.maxBodyBytes)
            NullCharacterMiddleware()
        }
        return router
    }

    /// The service's application: it runs the database client and `services` beside the HTTP
    /// server, and applies `migrations` before the server starts accepting requests; `services`
    /// start only once the migrations are applied.
    public func makeApplication(
        router: Router<AppRequestContext>,
        migrations: [Migration],
        services: [any Service] = []
    ) -> some ApplicationProtocol {
        let schema = SchemaReady()
        let monitor = DatabaseMonitor(configuration: configuration.database, availability: databaseAvailability, logger: logger)
        let background: [any Service] = [database, monitor] + services.map { AfterMigrations(base: $0, schema: schema) }
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
            services: [traceExport].compactMap { $0 } + [AllocatorTrim()] + background,
            logger: logger
        )
        let migrationRunner = MigrationRunner(client: database, migrations: migrations, logger: logger)
        let timeout = configuration.databaseStartupTimeout
        let (logger, databaseConfiguration, serviceName) = (self.logger, configuration.database, configuration.serviceName)
        app.beforeServerStarts {
            do {
                try await Self.retrying("applying migrations", for: timeout, logger: logger) {
                    try await databaseConfiguration.checkTLS(logger: logger)
                    let applied = try await migrationRunner.run()
                    logger.info("database schema is current", metadata: ["applied_now": "\(applied)"])
                }
            } catch let refusal as DatabaseTLSRefusal {
                logger.critical("the database's TLS settings do not fit the server; stopping", metadata: ["error": "\(refusal)"])
                exitForConfiguration(of: serviceName, refusal.description)
            }
            schema.open()
        }
        return app
    }

    /// Runs `operation` until it succeeds, backing off between attempts, for at most `timeout`;
    /// throws its last error after that, or `CancellationError` when the service stops first.
    static func retrying(
        _ what: String,
        for timeout: Duration,
        logger: Logger,
        operation: @Sendable () async throws -> Void
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        let done: Void? = try await Backoff(initial: .milliseconds(250)).retry {
            try await operation()
        } onFailure: { error, attempt, delay in
            // Waiting does not make a certificate trusted.
            if error is DatabaseTLSRefusal { throw error }
            let reason = DatabaseErrors.describe(error)
            guard ContinuousClock.now + delay < deadline else {
                logger.critical("\(what) failed, giving up", metadata: ["attempts": "\(attempt)", "error": "\(reason)"])
                throw error
            }
            logger.warning("\(what) failed, retrying", metadata: ["attempt": "\(attempt)", "retry_in": "\(delay)", "error": "\(reason)"])
        }
        guard done != nil else { throw CancellationError() }
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
