import Shared

@main
struct App {
    static func main() async throws {
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "posts", defaultPort: 8201)
        let posts: PostsConfiguration
        do {
            posts = try PostsConfiguration(environment: configuration.environment, publicPort: configuration.port)
        } catch {
            exitWithConfigurationError(error, serviceName: "posts")
        }
        let app = try buildApplication(configuration, posts)
        try await app.runService()
    }
}
