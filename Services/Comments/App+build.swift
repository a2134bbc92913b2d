import Authentication
import HTTPKit
import Hummingbird
import Messaging
import ServiceCore

/// - Parameter verifier: how tokens are checked; by default with auth's keys, fetched from its JWKS.
func buildApplication(_ configuration: ServiceConfiguration, _ comments: CommentsConfiguration, verifier: TokenVerifier? = nil) throws
    -> some ApplicationProtocol
{
    let core = ServiceCore(configuration: configuration)
    let messaging = try core.makeMessaging()
    let posts = ServiceClient(
        service: "posts", baseURLs: comments.postsURLs, attemptTimeout: comments.postsTimeout, deadline: comments.postsDeadline, attempts: 3
    )
    let lookup = ArticleLookup(client: posts, cacheLifetime: comments.articleCacheLifetime)
    let router = buildRouter(core, messaging: messaging, articles: lookup, verifier: verifier ?? core.makeTokenVerifier())
    return core.makeApplication(
        router: router,
        migrations: CommentsMigrations.all,
        services: [
            messaging.producer, messaging.outboxRelay(),
            messaging.consumer(topics: [.users, .articles], handlers: UserProjection.handlers + CommentHandlers.all),
            core.retentionSweep([.sentEvents, .processedEvents]),
        ]
    )
}

func buildRouter(_ core: ServiceCore, messaging: ServiceMessaging, articles: ArticleLookup, verifier: TokenVerifier) -> Router<AppRequestContext> {
    let router = core.makeRouter(readinessChecks: [messaging.readinessCheck] + messaging.topicsReadinessChecks)
    let verifier = verifier.checkingRevocations(core.projectedTokenRevocations())
    let controller = CommentsController(repository: CommentRepository(database: core.database), articles: articles, verifier: verifier)
    router.addRoutes(controller.endpoints, atPath: "/api")
    return router
}
