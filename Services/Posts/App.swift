import Shared

@main
struct App {
    static func main() async throws {
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "posts", defaultPort: 8201)
        let app = try buildApplication(configuration)
        try await app.runService()
    }
}
