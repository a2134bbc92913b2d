import Hummingbird
import Shared

@main
struct App {
    static func main() async throws {
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "web", defaultPort: 8501)
        let web: WebConfiguration
        do {
            web = try WebConfiguration(environment: configuration.environment)
        } catch {
            exitWithConfigurationError(error, serviceName: "web")
        }
        let app = try buildApplication(configuration, web)
        try await app.runService()
    }
}
