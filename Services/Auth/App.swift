import Foundation
import HTTPCore
import Hummingbird
import ServiceCore
import Settings

@main
struct App {
    static func main() async throws {
        ServiceProcess.prepare()
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "auth", defaultPort: 8101)
        let auth = readSettingsOrExit(of: "auth") { () throws(ConfigurationError) in try AuthConfiguration(environment: configuration.environment) }
        let app: any ApplicationProtocol
        do {
            app = try await buildApplication(configuration, auth)
        } catch let error as SigningKeys.InvalidKey {
            FileHandle.standardError.write(Data("auth: \(error)\n".utf8))
            exit(78)
        }
        try await ServiceProcess.run(app)
    }
}
