import Foundation
import Hummingbird
import Shared

@main
struct App {
    static func main() async throws {
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "auth", defaultPort: 8101)
        let auth: AuthConfiguration
        do {
            auth = try AuthConfiguration(environment: configuration.environment)
        } catch {
            exitWithConfigurationError(error, serviceName: "auth")
        }
        let app: any ApplicationProtocol
        do {
            app = try await buildApplication(configuration, auth)
        } catch let error as SigningKeys.InvalidKey {
            FileHandle.standardError.write(Data("auth: \(error)\n".utf8))
            exit(78)
        }
        try await app.runService()
    }
}
