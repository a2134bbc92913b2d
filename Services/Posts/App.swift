import Hummingbird
import ServiceCore
import Settings

@main
struct App {
    static func main() async throws {
        ServiceProcess.prepare()
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "posts", defaultPort: 8201)
        let posts = readSettingsOrExit(of: "posts") { () throws(ConfigurationError) in
            try PostsConfiguration(environment: configuration.environment, publicPort: configuration.port)
        }
        let app = try buildApplication(configuration, posts)
        try await app.runService()
    }
}
