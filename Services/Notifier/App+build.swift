import Authentication
import HTTPKit
import Hummingbird
import ServiceCore

/// - Parameter verifier: how tokens are checked; by default with auth's keys, fetched from its JWKS.
func buildApplication(_ configuration: ServiceConfiguration, _ notifier: NotifierConfiguration, verifier: TokenVerifier? = nil) throws
    -> some ApplicationProtocol
{
    let core = ServiceCore(configuration: configuration)
    let messaging = try core.makeMessaging()
    let repository = NotificationRepository(database: core.database)
    let router = buildRouter(core, messaging: messaging, repository: repository, verifier: verifier ?? core.makeTokenVerifier())
    let sender = NotificationSender(repository: repository, mailer: SMTPMailer(configuration: notifier.smtp), settings: notifier, logger: core.logger)
    return core.makeApplication(
        router: router,
        schema: NotifierMigrations.schema,
        services: [
            messaging.producer, messaging.brokerMonitor(), core.tokenRevocationAnnouncements,
            messaging.consumer(topics: [.users, .articles, .comments], handlers: NotificationHandlers.all),
            sender,
            core.retentionSweep([.processedEvents]),
        ]
    )
}

func buildRouter(_ core: ServiceCore, messaging: ServiceMessaging, repository: NotificationRepository, verifier: TokenVerifier) -> Router<
    AppRequestContext
> {
    let router = core.makeRouter(readinessChecks: messaging.topicsReadinessChecks, healthDetails: [messaging.healthDetail])
    let verifier = verifier.checkingRevocations(core.projectedTokenRevocations(in: .recipients))
    core.databaseRoutes(router).addRoutes(NotificationsController(repository: repository, verifier: verifier).endpoints, atPath: "/api")
    return router
}
