import Hummingbird
import Shared

func buildApplication(_ configuration: ServiceConfiguration) -> some ApplicationProtocol {
    let core = ServiceCore(configuration: configuration)
    let router = buildRouter(core)
    return core.makeApplication(router: router, migrations: AuthMigrations.all)
}

func buildRouter(_ core: ServiceCore) -> Router<AppRequestContext> {
    core.makeRouter()
}
