import Shared

@main
struct App {
    static func main() async throws {
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "auth", defaultPort: 8101)
        let app = try buildApplication(configuration)
        try await app.runService()
    }
}
