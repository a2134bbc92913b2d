import Hummingbird
import Shared

func buildApplication(_ configuration: ServiceConfiguration) throws -> some ApplicationProtocol {
    let core = ServiceCore(configuration: configuration)
    let messaging = try core.makeMessaging()
    let router = buildRouter(core, messaging: messaging)
    return core.makeApplication(
        router: router,
        migrations: CommentsMigrations.all,
        services: [messaging.producer, messaging.outboxRelay(), messaging.consumer(topics: [.users, .articles], handlers: [])]
    )
}

func buildRouter(_ core: ServiceCore, messaging: Messaging) -> Router<AppRequestContext> {
    core.makeRouter(readinessChecks: [messaging.readinessCheck])
}
