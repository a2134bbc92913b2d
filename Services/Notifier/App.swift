import Hummingbird
import Shared

@main
struct App {
    static func main() async throws {
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "notifier", defaultPort: 8401)
        let notifier: NotifierConfiguration
        do {
            notifier = try NotifierConfiguration(environment: configuration.environment)
        } catch {
            exitWithConfigurationError(error, serviceName: "notifier")
        }
        let app = try buildApplication(configuration, notifier)
        try await app.runService()
    }
}
