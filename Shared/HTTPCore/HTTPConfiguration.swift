import Logging
import Settings

/// What every service's HTTP side reads from its environment: where it listens, how it logs, what
/// a request may send, how long readiness may take, where its spans go. Web is built on this alone;
/// the API services read it as part of ServiceCore's `ServiceConfiguration`.
public struct HTTPConfiguration: Sendable {
    public var serviceName: String
    public var host: String
    public var port: Int
    /// Where the routes other services call (`/internal/…`) listen (`INTERNAL_PORT`), for the
    /// services that have some; the gateway never proxies there. By default 50 above `PORT`.
    public var internalPort: Int
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var maxBodyBytes: Int
    /// How long `/health/ready` waits for its checks before answering 503.
    public var readinessTimeout: Duration
    /// Where spans go (OTLP over HTTP, `OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. `http://127.0.0.1:4318`);
    /// nil: tracing is off. swift-otel reads its other `OTEL_*` variables itself.
    public var tracesEndpoint: String?
    /// The environment the configuration was read from, for the service's own settings.
    public let environment: EnvironmentReader

    /// - Parameters:
    ///   - serviceName: the service's name, used in logs (and by the API services in the default database name)
    ///   - defaultPort: the native stack's port of the service's first replica
    public init(serviceName: String, defaultPort: Int, environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) {
        self.serviceName = serviceName
        self.host = environment.string("HOST", default: "127.0.0.1")
        // 0: the system picks a free port (the tests start processes this way).
        self.port = try environment.integer("PORT", default: defaultPort, in: 0...65535)
        self.internalPort = try environment.integer("INTERNAL_PORT", default: port == 0 ? 0 : port + 50, in: 0...65535)
        if internalPort != 0 && internalPort == port {
            throw ConfigurationError(variable: "INTERNAL_PORT", value: String(internalPort), expected: "a port other than PORT")
        }
        self.logLevel = try environment.logLevel("LOG_LEVEL", default: .info)
        self.logFormat = try environment.choice("LOG_FORMAT", default: .logfmt)
        self.maxBodyBytes = try environment.integer("MAX_BODY_BYTES", default: 1 << 20, in: 1024...(64 << 20))
        self.readinessTimeout = try environment.seconds("READINESS_TIMEOUT", default: 2, in: 0.1...60)
        self.tracesEndpoint = environment.raw("OTEL_EXPORTER_OTLP_ENDPOINT") ?? environment.raw("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        self.environment = environment
    }
}

extension HTTPConfiguration {
    /// Reads the configuration, or prints what is wrong and exits: a service must not start with a bad value.
    public static func loadOrExit(serviceName: String, defaultPort: Int) -> HTTPConfiguration {
        readSettingsOrExit(of: serviceName) { () throws(ConfigurationError) in
            try HTTPConfiguration(serviceName: serviceName, defaultPort: defaultPort)
        }
    }
}
