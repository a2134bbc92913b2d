import HTTPCore
import Hummingbird
import Settings

@main
struct App {
    static func main() async throws {
        ServiceProcess.prepare()
        let configuration = HTTPConfiguration.loadOrExit(serviceName: "web", defaultPort: 8501)
        let web = readSettingsOrExit(of: "web") { () throws(ConfigurationError) in
            try WebConfiguration(environment: configuration.environment)
        }
        let app = try buildApplication(configuration, web)
        try await ServiceProcess.run(app)
    }
}
