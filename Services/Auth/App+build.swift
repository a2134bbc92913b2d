import Authentication
import HTTPKit
import Hummingbird
import ServiceCore

func buildApplication(_ configuration: ServiceConfiguration, _ auth: AuthConfiguration) async throws -> some ApplicationProtocol {
    let core = ServiceCore(configuration: configuration)
    let messaging = try core.makeMessaging()
    let keys = try await SigningKeys.load(auth)
    let hasher = try await PasswordHasher(cost: auth.bcryptCost)
    if auth.bcryptCost < 10 {
        core.logger.warning("BCRYPT_COST is below 10: fine for tests, too weak for real passwords", metadata: ["cost": "\(auth.bcryptCost)"])
    }
    core.logger.info("signing tokens", metadata: ["kid": "\(keys.currentKID)", "published_kids": "\(keys.kids.count)"])
    let push = ProjectionPush(auth, httpClient: ServiceClient.sharedHTTPClient)
    let router = buildRouter(core, messaging: messaging, keys: keys, hasher: hasher, auth: auth, push: push)
    return core.makeApplication(
        router: router,
        schema: AuthMigrations.schema,
        services: [
            messaging.producer, messaging.brokerMonitor(), messaging.outboxRelay(), core.retentionSweep([.sentEvents, LoginThrottle.oldFailures]),
        ]
    )
}

func buildRouter(
    _ core: ServiceCore, messaging: ServiceMessaging, keys: SigningKeys, hasher: PasswordHasher, auth: AuthConfiguration, push: ProjectionPush
) -> Router<AppRequestContext> {
    let router = core.makeRouter(readinessChecks: messaging.topicsReadinessChecks, healthDetails: [messaging.healthDetail])
    let repository = UserRepository(database: core.database)
    let verifier = keys.verifier.checkingRevocations(ProjectedTokenRevocations(database: core.database, logger: core.logger))
    let users = UsersController(
        repository: repository, hasher: hasher, tokens: TokenIssuer(keys: keys, lifetime: auth.tokenLifetime), verifier: verifier,
        throttle: LoginThrottle(database: core.database, configuration: auth), push: push
    )
    let api = core.databaseRoutes(router)
    api.addRoutes(users.endpoints, atPath: "/api")
    api.addRoutes(ProfilesController(repository: repository, verifier: verifier, push: push).endpoints, atPath: "/api")
    // The public keys are in memory: other services can verify tokens while auth's database is down.
    router.addRoutes(KeysController(keys: keys).endpoints)
    return router
}
