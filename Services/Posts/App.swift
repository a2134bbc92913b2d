import HTTPCore
import Hummingbird
import ServiceCore
import Settings

@main
struct App {
    static func main() async throws {
        ServiceProcess.prepare()
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "posts", defaultPort: 8201)
        let articleCache = readSettingsOrExit(of: "posts") { () throws(ConfigurationError) in
            try ArticleViewCache.Settings(environment: configuration.environment)
        }
        let app = try buildApplication(configuration, articleCache: articleCache)
        try await ServiceProcess.run(app)
    }
}
