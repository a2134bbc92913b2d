import HTTPCore
import Hummingbird
import ServiceCore
import Settings

@main
struct App {
    static func main() async throws {
        ServiceProcess.prepare()
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "notifier", defaultPort: 8401)
        let notifier = readSettingsOrExit(of: "notifier") { () throws(ConfigurationError) in
            try NotifierConfiguration(environment: configuration.environment)
        }
        let app = try buildApplication(configuration, notifier)
        try await ServiceProcess.run(app)
    }
}
