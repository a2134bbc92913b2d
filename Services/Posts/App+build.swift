import Authentication
import HTTPKit
import Hummingbird
import Messaging
import Persistence
import ServiceCore

/// - Parameters:
///   - articleCache: what each replica holds of the articles it shows (see ``ArticleViewCache``).
///   - verifier: how tokens are checked; by default with auth's keys, fetched from its JWKS.
///   - onInternalListening: learns the internal listener's port once it listens.
func buildApplication(
    _ configuration: ServiceConfiguration, articleCache: ArticleViewCache.Settings = .init(), verifier: TokenVerifier? = nil,
    onInternalListening: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let core = ServiceCore(configuration: configuration)
    let messaging = try core.makeMessaging()
    let coherence = core.makeReadCoherence(channel: ArticleViewAnnouncements.channel, holdsLease: articleCache.bytes > 0)
    let cache = ArticleViewCache(settings: articleCache, coherence: coherence)
    let repository = ArticleRepository(database: core.database, cache: cache)
    let router = buildRouter(
        core, messaging: messaging, repository: repository, coherence: coherence, verifier: verifier ?? core.makeTokenVerifier())
    let internalRouter = buildInternalRouter(core, messaging: messaging, repository: repository, coherence: coherence)
    return core.makeApplication(
        router: router,
        schema: PostsMigrations.schema,
        services: [
            messaging.producer, messaging.brokerMonitor(), core.tokenRevocationAnnouncements, messaging.outboxRelay(),
            ArticleViewAnnouncements(cache: cache, coherence: coherence, logger: core.logger.component("article-views")),
            messaging.consumer(topics: [.users], handlers: UserProjection.handlers),
            core.internalListener(internalRouter, port: configuration.internalPort, onListening: onInternalListening),
            core.retentionSweep([.sentEvents, .processedEvents]),
            SearchIndexBackfill(database: core.database, logger: core.logger),
        ]
    )
}

func buildRouter(
    _ core: ServiceCore, messaging: ServiceMessaging, repository: ArticleRepository, coherence: ReadCoherence, verifier: TokenVerifier
) -> Router<AppRequestContext> {
    let router = core.makeRouter(readinessChecks: messaging.topicsReadinessChecks, healthDetails: [messaging.healthDetail])
    let verifier = verifier.checkingRevocations(core.projectedTokenRevocations())
    let api = core.databaseRoutes(router, writesHeardBy: coherence)
    api.addRoutes(ArticlesController(repository: repository, verifier: verifier).endpoints, atPath: "/api")
    api.addRoutes(TagsController(repository: repository).endpoints, atPath: "/api")
    return router
}

/// What other services ask and tell posts, on its internal listener: comments looks articles up,
/// auth pushes its users' changes.
func buildInternalRouter(_ core: ServiceCore, messaging: ServiceMessaging, repository: ArticleRepository, coherence: ReadCoherence)
    -> Router<AppRequestContext>
{
    let router = core.makeInternalRouter()
    let routes = core.databaseRoutes(router, writesHeardBy: coherence)
    routes.addRoutes(InternalArticlesController(repository: repository).endpoints, atPath: "/internal")
    routes.addRoutes(messaging.pushedEvents(handlers: UserProjection.handlers, types: UserProjection.pushedEventTypes), atPath: "/internal")
    return router
}
