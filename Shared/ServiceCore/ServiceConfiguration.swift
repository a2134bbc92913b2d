import Authentication
import Foundation
import Kafka
import Logging
import Persistence
import Settings

/// What every service reads from its environment. A service adds its own settings beside it,
/// read with the same ``EnvironmentReader``.
public struct ServiceConfiguration: Sendable {
    public var serviceName: String
    public var host: String
    public var port: Int
    /// Where the routes other services call (`/internal/…`) listen (`INTERNAL_PORT`), for the
    /// services that have some; the gateway never proxies there. By default 50 above `PORT`.
    public var internalPort: Int
    public var database: DatabaseConfiguration
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var maxBodyBytes: Int
    /// How long start-up waits for the database before giving up.
    public var databaseStartupTimeout: Duration
    /// How long `/health/ready` waits for the database before answering 503.
    public var readinessTimeout: Duration
    /// How long sent outbox rows and handled event ids are kept (`RETENTION_DAYS`), and how often
    /// older ones are deleted (`RETENTION_SWEEP_INTERVAL`, seconds).
    public var retention: Duration
    public var retentionSweepInterval: Duration
    public var kafka: KafkaConfiguration
    public var tokens: TokenVerificationConfiguration
    /// Where spans go (OTLP over HTTP, `OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. `http://127.0.0.1:4318`);
    /// nil: tracing is off. swift-otel reads its other `OTEL_*` variables itself.
    public var tracesEndpoint: String?
    /// The environment the configuration was read from, for the service's own settings.
    public let environment: EnvironmentReader

    /// - Parameters:
    ///   - serviceName: the service's name, used in logs and in the default database name
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
        self.database = try DatabaseConfiguration(environment: environment, serviceName: serviceName)
        self.logLevel = try environment.logLevel("LOG_LEVEL", default: .info)
        self.logFormat = try environment.choice("LOG_FORMAT", default: .logfmt)
        self.maxBodyBytes = try environment.integer("MAX_BODY_BYTES", default: 1 << 20, in: 1024...(64 << 20))
        self.databaseStartupTimeout = try environment.seconds("DATABASE_STARTUP_TIMEOUT", default: 60, in: 0...3600)
        self.readinessTimeout = try environment.seconds("READINESS_TIMEOUT", default: 2, in: 0.1...60)
        self.retention = try environment.seconds("RETENTION_DAYS", default: 7, in: 0.001...3650) * 86400
        self.retentionSweepInterval = try environment.seconds("RETENTION_SWEEP_INTERVAL", default: 3600, in: 1...86400)
        self.kafka = try KafkaConfiguration(environment: environment, serviceName: serviceName)
        self.tokens = try TokenVerificationConfiguration(environment: environment)
        self.tracesEndpoint = environment.raw("OTEL_EXPORTER_OTLP_ENDPOINT") ?? environment.raw("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        self.environment = environment
    }
}

extension ServiceConfiguration {
    /// Reads the configuration, or prints what is wrong and exits: a service must not start with a bad value.
    public static func loadOrExit(serviceName: String, defaultPort: Int) -> ServiceConfiguration {
        readSettingsOrExit(of: serviceName) { () throws(ConfigurationError) in
            try ServiceConfiguration(serviceName: serviceName, defaultPort: defaultPort)
        }
    }
}
