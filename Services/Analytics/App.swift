import HTTPCore
import Hummingbird
import ServiceCore
import Settings

@main
struct App {
    static func main() async throws {
        ServiceProcess.prepare()
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "analytics", defaultPort: 8601)
        let analytics = readSettingsOrExit(of: "analytics") { () throws(ConfigurationError) in
            try AnalyticsConfiguration(environment: configuration.environment)
        }
        let app = try buildApplication(configuration, analytics)
        try await ServiceProcess.run(app)
    }
}
