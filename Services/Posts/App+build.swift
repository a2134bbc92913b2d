import Authentication
import HTTPKit
import Hummingbird
import Messaging
import ServiceCore

/// - Parameters:
///   - verifier: how tokens are checked; by default with auth's keys, fetched from its JWKS.
///   - onInternalListening: learns the internal listener's port once it listens.
func buildApplication(
    _ configuration: ServiceConfiguration, _ posts: PostsConfiguration, verifier: TokenVerifier? = nil,
    onInternalListening: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let core = ServiceCore(configuration: configuration)
    let messaging = try core.makeMessaging()
    let repository = ArticleRepository(database: core.database)
    let router = buildRouter(core, messaging: messaging, repository: repository, verifier: verifier ?? core.makeTokenVerifier())
    return core.makeApplication(
        router: router,
        migrations: PostsMigrations.all,
        services: [
            messaging.producer, messaging.outboxRelay(), messaging.consumer(topics: [.users], handlers: UserProjection.handlers),
            core.internalListener(buildInternalRouter(core, repository: repository), port: posts.internalPort, onListening: onInternalListening),
            core.retentionSweep([.sentEvents, .processedEvents]),
            SearchIndexBackfill(database: core.database, logger: core.logger),
        ]
    )
}

func buildRouter(_ core: ServiceCore, messaging: ServiceMessaging, repository: ArticleRepository, verifier: TokenVerifier) -> Router<
    AppRequestContext
> {
    let router = core.makeRouter(readinessChecks: [messaging.readinessCheck])
    let verifier = verifier.checkingRevocations(core.projectedTokenRevocations())
    router.addRoutes(ArticlesController(repository: repository, verifier: verifier).endpoints, atPath: "/api")
    router.addRoutes(TagsController(repository: repository).endpoints, atPath: "/api")
    return router
}

/// What other services ask posts, on its internal listener.
func buildInternalRouter(_ core: ServiceCore, repository: ArticleRepository) -> Router<AppRequestContext> {
    let router = core.makeInternalRouter()
    router.addRoutes(InternalArticlesController(repository: repository).endpoints, atPath: "/internal")
    return router
}
