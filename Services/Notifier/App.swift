import Shared

@main
struct App {
    static func main() async throws {
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "notifier", defaultPort: 8401)
        let app = try buildApplication(configuration)
        try await app.runService()
    }
}
