import Hummingbird
import Shared

@main
struct App {
    static func main() async throws {
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "comments", defaultPort: 8301)
        let comments: CommentsConfiguration
        do {
            comments = try CommentsConfiguration(environment: configuration.environment)
        } catch {
            exitWithConfigurationError(error, serviceName: "comments")
        }
        let app = try buildApplication(configuration, comments)
        try await app.runService()
    }
}
