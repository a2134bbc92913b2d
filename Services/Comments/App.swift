import HTTPCore
import Hummingbird
import ServiceCore
import Settings

@main
struct App {
    static func main() async throws {
        ServiceProcess.prepare()
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "comments", defaultPort: 8301)
        let comments = readSettingsOrExit(of: "comments") { () throws(ConfigurationError) in
            try CommentsConfiguration(environment: configuration.environment)
        }
        let app = try buildApplication(configuration, comments)
        try await ServiceProcess.run(app)
    }
}
