import AsyncHTTPClient
import ServiceLifecycle

/// Shuts an HTTP client down once the service begins to stop; list it among the application's services.
public struct HTTPClientShutdown: Service {
    let client: HTTPClient

    public init(client: HTTPClient) {
        self.client = client
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
