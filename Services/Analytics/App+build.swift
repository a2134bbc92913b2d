import Authentication
import Basics
import Events
import HTTPKit
import Hummingbird
import Messaging
import ServiceCore

/// - Parameter verifier: how tokens are checked; by default with auth's keys, fetched from its JWKS.
func buildApplication(_ configuration: ServiceConfiguration, _ analytics: AnalyticsConfiguration, verifier: TokenVerifier? = nil) throws
    -> some ApplicationProtocol
{
    let core = ServiceCore(configuration: configuration)
    let messaging = try core.makeMessaging()
    let tally = ReadTally(maxArticles: analytics.maxPendingArticles)
    let keys = ReaderKeys(database: core.database, logger: core.logger)
    let router = buildRouter(core, messaging: messaging, tally: tally, keys: keys, verifier: verifier ?? core.makeTokenVerifier())
    let publisher = ReadPublisher(
        tally: tally, producer: messaging.producer, interval: analytics.readsFlushInterval, provisioning: messaging.topicProvisioning,
        logger: core.logger.component("reads"))
    return core.makeApplication(
        router: router,
        schema: AnalyticsMigrations.schema,
        services: [
            messaging.producer, messaging.brokerMonitor(), core.tokenRevocationAnnouncements, keys, publisher,
            messaging.consumer(topics: [.users, .articles, .comments, .reads], handlers: AnalyticsHandlers.all),
            core.retentionSweep([.processedEvents, StatsRepository.unmatchedReadsSweep]),
        ]
    )
}

func buildRouter(_ core: ServiceCore, messaging: ServiceMessaging, tally: ReadTally, keys: ReaderKeys, verifier: TokenVerifier) -> Router<
    AppRequestContext
> {
    let router = core.makeRouter(readinessChecks: messaging.topicsReadinessChecks, healthDetails: [messaging.healthDetail])
    let verifier = verifier.checkingRevocations(core.projectedTokenRevocations())
    core.databaseRoutes(router).addRoutes(
        AnalyticsController(repository: StatsRepository(database: core.database), verifier: verifier).endpoints, atPath: "/api")
    // Counting a read never waits for the database: it is outside the database's gate.
    ReadsController(tally: tally, keys: keys).addRoutes(to: router)
    return router
}
