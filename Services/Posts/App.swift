import Hummingbird
import ServiceCore

@main
struct App {
    static func main() async throws {
        ServiceProcess.prepare()
        let configuration = ServiceConfiguration.loadOrExit(serviceName: "posts", defaultPort: 8201)
        let app = try buildApplication(configuration)
        try await app.runService()
    }
}
