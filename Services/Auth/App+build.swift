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
    let router = buildRouter(core, messaging: messaging, keys: keys, hasher: hasher, auth: auth)
    return core.makeApplication(
        router: router,
        migrations: AuthMigrations.all,
        services: [messaging.producer, messaging.outboxRelay(), core.retentionSweep([.sentEvents, LoginThrottle.oldFailures])]
    )
}

func buildRouter(_ core: ServiceCore, messaging: ServiceMessaging, keys: SigningKeys, hasher: PasswordHasher, auth: AuthConfiguration) -> Router<
    AppRequestContext
> {
    let router = core.makeRouter(readinessChecks: [messaging.readinessCheck] + messaging.topicsReadinessChecks)
    let repository = UserRepository(database: core.database)
    let verifier = keys.verifier.checkingRevocations(ProjectedTokenRevocations(database: core.database, logger: core.logger))
    let users = UsersController(
        repository: repository, hasher: hasher, tokens: TokenIssuer(keys: keys, lifetime: auth.tokenLifetime), verifier: verifier,
        throttle: LoginThrottle(database: core.database, configuration: auth)
    )
    router.addRoutes(users.endpoints, atPath: "/api")
    router.addRoutes(ProfilesController(repository: repository, verifier: verifier).endpoints, atPath: "/api")
    router.addRoutes(KeysController(keys: keys).endpoints)
    return router
}
