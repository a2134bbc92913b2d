/// How a client reaches the brokers: plain or TLS, with or without SASL (librdkafka's
/// `security.protocol`), the CA that signs the brokers' certificates, and the SASL credentials.
public struct KafkaSecurity: Sendable, Equatable {
    public enum SecurityProtocol: String, Sendable, CaseIterable {
        case plaintext
        case ssl
        case saslPlaintext = "sasl_plaintext"
        case saslSSL = "sasl_ssl"

        public var usesTLS: Bool { self == .ssl || self == .saslSSL }
        public var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
    }

    public enum SASLMechanism: String, Sendable, CaseIterable {
        case scramSHA512 = "SCRAM-SHA-512"
        case scramSHA256 = "SCRAM-SHA-256"
        case plain = "PLAIN"
    }

    public struct SASLCredentials: Sendable, Equatable {
        public var mechanism: SASLMechanism
        public var username: String
        public var password: KafkaSecret

        public init(mechanism: SASLMechanism, username: String, password: KafkaSecret) {
            self.mechanism = mechanism
            self.username = username
            self.password = password
        }
    }

    public var securityProtocol: SecurityProtocol
    /// A PEM file of the CA certificates that sign the brokers' (nil: the system's trusted CAs).
    public var caLocation: String?
    /// Set exactly when the protocol uses SASL.
    public var sasl: SASLCredentials?

    public static let plaintext = KafkaSecurity(securityProtocol: .plaintext)

    public init(securityProtocol: SecurityProtocol, caLocation: String? = nil, sasl: SASLCredentials? = nil) {
        self.securityProtocol = securityProtocol
        self.caLocation = caLocation
        self.sasl = sasl
    }

    /// librdkafka's properties. The brokers' host names are checked against their certificates
    /// (librdkafka's default `ssl.endpoint.identification.algorithm=https`).
    var properties: [String: String] {
        var properties = ["security.protocol": securityProtocol.rawValue]
        if securityProtocol.usesTLS, let caLocation { properties["ssl.ca.location"] = caLocation }
        if let sasl {
            properties["sasl.mechanisms"] = sasl.mechanism.rawValue
            properties["sasl.username"] = sasl.username
            properties["sasl.password"] = sasl.password.value
        }
        return properties
    }

    /// librdkafka properties whose values never go into a message or a log line.
    static let secretProperties: Set<String> = ["sasl.password", "ssl.key.password", "ssl.keystore.password"]
}

/// A secret that prints as `***`, so that no configuration dump or interpolation writes it out.
public struct KafkaSecret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    public var description: String { "***" }
    public var debugDescription: String { "***" }
}
