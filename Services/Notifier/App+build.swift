import Hummingbird
import Shared

/// - Parameter verifier: how tokens are checked; by default with auth's keys, fetched from its JWKS.
func buildApplication(_ configuration: ServiceConfiguration, _ notifier: NotifierConfiguration, verifier: TokenVerifier? = nil) throws -> some ApplicationProtocol {
    let core = ServiceCore(configuration: configuration)
    let messaging = try core.makeMessaging()
    let router = buildRouter(core, messaging: messaging, verifier: verifier ?? core.makeTokenVerifier())
    let sender = NotificationSender(database: core.database, mailer: SMTPMailer(configuration: notifier.smtp), settings: notifier, logger: core.logger)
    return core.makeApplication(
        router: router,
        migrations: NotifierMigrations.all,
        services: [
            messaging.producer,
            messaging.consumer(topics: [.users, .articles, .comments], handlers: NotificationHandlers.all),
            sender,
            core.retentionSweep([.processedEvents]),
        ]
    )
}

func buildRouter(_ core: ServiceCore, messaging: Messaging, verifier: TokenVerifier) -> Router<AppRequestContext> {
    let router = core.makeRouter(readinessChecks: [messaging.readinessCheck])
    let verifier = verifier.checkingRevocations(ProjectedTokenRevocations(database: core.database, table: .recipients, logger: core.logger))
    router.addRoutes(NotificationsController(database: core.database, verifier: verifier).endpoints, atPath: "/api")
    return router
}
