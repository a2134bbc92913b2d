import Settings

/// The posts service's own settings, read beside the shared ``ServiceConfiguration``.
struct PostsConfiguration: Sendable {
    /// Where the routes for other services (`/internal/…`) listen (`INTERNAL_PORT`); the gateway
    /// never proxies to it. By default 50 above `PORT` (the native stack's 8251 for 8201).
    var internalPort: Int

    init(environment: EnvironmentReader, publicPort: Int) throws(ConfigurationError) {
        let fallback = publicPort == 0 ? 0 : publicPort + 50
        self.internalPort = try environment.integer("INTERNAL_PORT", default: fallback, in: 0...65535)
        if internalPort != 0 && internalPort == publicPort {
            throw ConfigurationError(variable: "INTERNAL_PORT", value: String(internalPort), expected: "a port other than PORT")
        }
    }
}
