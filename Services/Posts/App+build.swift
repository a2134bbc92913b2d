import Hummingbird
import Shared

/// - Parameter verifier: how tokens are checked; by default with auth's keys, fetched from its JWKS.
func buildApplication(_ configuration: ServiceConfiguration, verifier: TokenVerifier? = nil) throws -> some ApplicationProtocol {
    let core = ServiceCore(configuration: configuration)
    let messaging = try core.makeMessaging()
    let router = buildRouter(core, messaging: messaging, verifier: verifier ?? core.makeTokenVerifier())
    return core.makeApplication(
        router: router,
        migrations: PostsMigrations.all,
        services: [messaging.producer, messaging.outboxRelay(), messaging.consumer(topics: [.users], handlers: UserProjection.handlers)]
    )
}

func buildRouter(_ core: ServiceCore, messaging: Messaging, verifier: TokenVerifier) -> Router<AppRequestContext> {
    let router = core.makeRouter(readinessChecks: [messaging.readinessCheck])
    let repository = ArticleRepository(database: core.database)
    router.addRoutes(ArticlesController(repository: repository, verifier: verifier).endpoints, atPath: "/api")
    router.addRoutes(TagsController(repository: repository).endpoints, atPath: "/api")
    router.addRoutes(InternalArticlesController(repository: repository).endpoints, atPath: "/internal")
    return router
}
