import Authentication
import Foundation
import HTTPCore
import Kafka
import Logging
import Persistence
import Settings

/// What every API service reads from its environment: its HTTP side (``HTTPConfiguration``, whose
/// settings read as this one's own: `configuration.port`), its database, the broker, how tokens are
/// checked, and how long handled events are kept. A service adds its own settings beside it, read
/// with the same `EnvironmentReader`.
@dynamicMemberLookup
public struct ServiceConfiguration: Sendable {
    public var http: HTTPConfiguration
    public var database: DatabaseConfiguration
    /// How long start-up waits for the database before giving up.
    public var databaseStartupTimeout: Duration
    /// How long sent outbox rows and handled event ids are kept (`RETENTION_DAYS`), and how often
    /// older ones are deleted (`RETENTION_SWEEP_INTERVAL`, seconds).
    public var retention: Duration
    public var retentionSweepInterval: Duration
    public var kafka: KafkaConfiguration
    public var tokens: TokenVerificationConfiguration

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<HTTPConfiguration, Value>) -> Value {
        get { http[keyPath: keyPath] }
        set { http[keyPath: keyPath] = newValue }
    }

    public var environment: EnvironmentReader { http.environment }

    /// - Parameters:
    ///   - serviceName: the service's name, used in logs and in the default database name
    ///   - defaultPort: the native stack's port of the service's first replica
    public init(serviceName: String, defaultPort: Int, environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) {
        self.http = try HTTPConfiguration(serviceName: serviceName, defaultPort: defaultPort, environment: environment)
        self.database = try DatabaseConfiguration(environment: environment, serviceName: serviceName)
        self.databaseStartupTimeout = try environment.seconds("DATABASE_STARTUP_TIMEOUT", default: 60, in: 0...3600)
        self.retention = try environment.seconds("RETENTION_DAYS", default: 7, in: 0.001...3650) * 86400
        self.retentionSweepInterval = try environment.seconds("RETENTION_SWEEP_INTERVAL", default: 3600, in: 1...86400)
        self.kafka = try KafkaConfiguration(environment: environment, serviceName: serviceName)
        self.tokens = try TokenVerificationConfiguration(environment: environment)
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
