// ServiceCore: what the API services are built from, on top of HTTPCore: the configuration they
// read (`ServiceConfiguration`: HTTPCore's, the database's, the broker's, the tokens'), their
// database client, its monitor and start-up migrations, the gate in front of the routes that need
// the database, and the Conduit error handling that maps database errors; it also wires Messaging
// (`makeMessaging`, `retentionSweep`) and Authentication (`makeTokenVerifier`) into a service.
//
// Depends on every other shared target, Hummingbird, NIO and PostgresNIO.

import Authentication
import Basics
import HTTPCore
import HTTPKit
import Hummingbird
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Settings

/// What every API service is built from: its HTTP side, its configuration and its database client,
/// with the router and application builders that give every API service the same middleware,
/// health, metrics and start-up behaviour.
public struct ServiceCore: Sendable {
    public let configuration: ServiceConfiguration
    public let http: HTTPService
    public let database: PostgresClient
    /// Whether the database answers, kept current by the ``DatabaseMonitor`` the application runs.
    public let databaseAvailability = DatabaseAvailability()
    /// The changes of revocation times in the service's table of users, as they commit; a service
    /// that checks revocations runs it (``projectedTokenRevocations(in:)``).
    public let tokenRevocationAnnouncements: TokenRevocationAnnouncements

    public var logger: Logger { http.logger }

    public init(configuration: ServiceConfiguration, logger: Logger? = nil) {
        self.configuration = configuration
        self.http = HTTPService(configuration: configuration.http, logger: logger)
        let logger = http.logger
        self.database = PostgresClient(
            configuration: configuration.database.postgresClientConfiguration, backgroundLogger: logger.component("postgres")
        )
        self.tokenRevocationAnnouncements = TokenRevocationAnnouncements(
            connection: .dedicated(configuration.database), logger: logger.component("token-revocations"))
    }

    /// A router with the shared middleware (request id, metrics, access log, limits, Conduit errors)
    /// and the health and metrics routes; the service adds its own routes to it, those that use the
    /// database through ``databaseRoutes(_:)``. Readiness is the database's and `readinessChecks`';
    /// `healthDetails` are reported beside it.
    public func makeRouter(readinessChecks: [ReadinessCheck] = [], healthDetails: [HealthDetail] = []) -> Router<AppRequestContext> {
        let router = makeBareRouter()
        http.addHealthAndMetricsRoutes(
            to: router, checks: [.database(availability: databaseAvailability)] + readinessChecks, details: healthDetails)
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

    /// The HTTP server of an internal router (see ``HTTPService/internalListener(_:port:onListening:)``).
    public func internalListener(
        _ router: Router<AppRequestContext>, port: Int, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        http.internalListener(router, port: port, onListening: onListening)
    }

    private func makeBareRouter() -> Router<AppRequestContext> {
        http.makeRouter { ConduitErrorMiddleware(translating: DatabaseErrors.conduitError(for:requestID:)) }
    }

    /// The service's application: it runs the database client and `services` beside the HTTP
    /// server, and applies the migrations of `schema` before the server starts accepting requests;
    /// `services` start only once they are applied.
    public func makeApplication(
        router: Router<AppRequestContext>,
        schema: DatabaseSchema,
        services: [any Service] = []
    ) -> some ApplicationProtocol {
        let ready = SchemaReady()
        let monitor = DatabaseMonitor(configuration: configuration.database, availability: databaseAvailability, logger: logger)
        let background: [any Service] = [database, monitor] + services.map { AfterMigrations(base: $0, schema: ready) }
        var app = http.makeApplication(router: router, services: background)
        let migrationRunner = MigrationRunner(client: database, schema: schema, logger: logger)
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
            } catch let error as MigrationRecordsError {
                logger.critical("the database's schema_migrations does not fit this code; stopping", metadata: ["error": "\(error)"])
                throw error
            }
            ready.open()
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
            // Waiting does not make a certificate trusted, nor the records of other code fit.
            if error is DatabaseTLSRefusal || error is MigrationRecordsError { throw error }
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
