import Shared

@main
struct App {
    static func main() async throws {
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "comments", defaultPort: 8301)
        let app = try buildApplication(configuration)
        try await app.runService()
    }
}
