import Authentication
import HTTPKit
import Hummingbird
import Messaging
import Persistence
import ServiceCore

/// - Parameters:
///   - verifier: how tokens are checked; by default with auth's keys, fetched from its JWKS.
///   - onInternalListening: learns the internal listener's port once it listens.
func buildApplication(
    _ configuration: ServiceConfiguration, _ comments: CommentsConfiguration, verifier: TokenVerifier? = nil,
    onInternalListening: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let core = ServiceCore(configuration: configuration)
    let messaging = try core.makeMessaging()
    let posts = ServiceClient(
        service: "posts", baseURLs: comments.postsURLs, attemptTimeout: comments.postsTimeout, deadline: comments.postsDeadline, attempts: 3
    )
    let lookup = ArticleLookup(client: posts, database: core.database, cacheLifetime: comments.articleCacheLifetime)
    let coherence = core.makeReadCoherence(channel: CommentViewAnnouncements.channel, holdsLease: comments.commentCacheBytes > 0)
    let cache = CommentViewCache(bytes: comments.commentCacheBytes, coherence: coherence)
    let repository = CommentRepository(database: core.database, cache: cache)
    let router = buildRouter(
        core, messaging: messaging, repository: repository, articles: lookup, coherence: coherence, verifier: verifier ?? core.makeTokenVerifier())
    let internalRouter = buildInternalRouter(core, messaging: messaging, coherence: coherence)
    return core.makeApplication(
        router: router,
        schema: CommentsMigrations.schema,
        services: [
            messaging.producer, messaging.brokerMonitor(), core.tokenRevocationAnnouncements, messaging.outboxRelay(),
            messaging.consumer(topics: [.users, .articles], handlers: UserProjection.handlers + CommentHandlers.all),
            CommentViewAnnouncements(cache: cache, coherence: coherence, logger: core.logger.component("comment-views")),
            core.internalListener(internalRouter, port: configuration.internalPort, onListening: onInternalListening),
            core.retentionSweep([.sentEvents, .processedEvents]),
        ]
    )
}

func buildRouter(
    _ core: ServiceCore, messaging: ServiceMessaging, repository: CommentRepository, articles: ArticleLookup, coherence: ReadCoherence,
    verifier: TokenVerifier
) -> Router<AppRequestContext> {
    let router = core.makeRouter(readinessChecks: messaging.topicsReadinessChecks, healthDetails: [messaging.healthDetail])
    let verifier = verifier.checkingRevocations(core.projectedTokenRevocations())
    let controller = CommentsController(repository: repository, articles: articles, verifier: verifier)
    core.databaseRoutes(router, writesHeardBy: coherence).addRoutes(controller.endpoints, atPath: "/api")
    return router
}

/// What other services tell comments, on its internal listener: auth pushes its users' changes.
func buildInternalRouter(_ core: ServiceCore, messaging: ServiceMessaging, coherence: ReadCoherence) -> Router<AppRequestContext> {
    let router = core.makeInternalRouter()
    core.databaseRoutes(router, writesHeardBy: coherence).addRoutes(
        messaging.pushedEvents(handlers: UserProjection.handlers, types: UserProjection.pushedEventTypes), atPath: "/internal")
    return router
}
