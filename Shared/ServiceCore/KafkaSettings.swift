import Foundation
import Kafka
import Settings

extension KafkaConfiguration {
    /// Reads the broker's settings: `KAFKA_BROKERS`, `KAFKA_SESSION_TIMEOUT`, `KAFKA_MESSAGE_TIMEOUT`,
    /// the topics' (`KAFKA_TOPIC_PARTITIONS`, `KAFKA_TOPIC_REPLICATION_FACTOR`, `KAFKA_CREATE_TOPICS`)
    /// and the connection's security (see `KafkaSecurity.init(environment:)`).
    init(environment: EnvironmentReader, serviceName: String) throws(ConfigurationError) {
        let brokers = environment.string("KAFKA_BROKERS", default: "127.0.0.1:9092")
        guard brokers.split(separator: ",").allSatisfy({ $0.split(separator: ":").count == 2 && Int($0.split(separator: ":")[1]) != nil }) else {
            throw ConfigurationError(variable: "KAFKA_BROKERS", value: brokers, expected: "host:port[,host:port...]")
        }
        self.init(
            bootstrapServers: brokers,
            clientID: "inkwell-\(serviceName)",
            sessionTimeout: try environment.seconds("KAFKA_SESSION_TIMEOUT", default: 6, in: 1...300),
            partitions: try environment.integer("KAFKA_TOPIC_PARTITIONS", default: 3, in: 1...1000),
            replicationFactor: try environment.integer("KAFKA_TOPIC_REPLICATION_FACTOR", default: 1, in: 1...32),
            createsTopics: try environment.boolean("KAFKA_CREATE_TOPICS", default: true),
            security: try KafkaSecurity(environment: environment),
            messageTimeout: try environment.seconds("KAFKA_MESSAGE_TIMEOUT", default: 30, in: 1...3600)
        )
    }
}

extension KafkaSecurity {
    /// Reads `KAFKA_SECURITY_PROTOCOL` (plaintext, ssl, sasl_plaintext, sasl_ssl), `KAFKA_SSL_CA_LOCATION`
    /// and, for SASL, `KAFKA_SASL_MECHANISM`, `KAFKA_SASL_USERNAME` and the password: from the file
    /// `KAFKA_SASL_PASSWORD_FILE` (a mounted secret), else `KAFKA_SASL_PASSWORD`. No message names the password.
    init(environment: EnvironmentReader) throws(ConfigurationError) {
        let securityProtocol = try environment.choice("KAFKA_SECURITY_PROTOCOL", default: SecurityProtocol.plaintext)
        let caLocation = environment.raw("KAFKA_SSL_CA_LOCATION")
        if let caLocation, !FileManager.default.isReadableFile(atPath: caLocation) {
            throw ConfigurationError(variable: "KAFKA_SSL_CA_LOCATION", value: caLocation, expected: "a readable PEM file of CA certificates")
        }
        guard securityProtocol.usesSASL else {
            self.init(securityProtocol: securityProtocol, caLocation: caLocation)
            return
        }
        let mechanismText = environment.string("KAFKA_SASL_MECHANISM", default: SASLMechanism.scramSHA512.rawValue)
        guard let mechanism = SASLMechanism(rawValue: mechanismText.uppercased()) else {
            let options = SASLMechanism.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: "KAFKA_SASL_MECHANISM", value: mechanismText, expected: "one of \(options)")
        }
        guard let username = environment.raw("KAFKA_SASL_USERNAME") else {
            throw ConfigurationError(
                variable: "KAFKA_SASL_USERNAME", value: "", expected: "the SASL user (KAFKA_SECURITY_PROTOCOL=\(securityProtocol.rawValue))")
        }
        let sasl = SASLCredentials(mechanism: mechanism, username: username, password: try Self.password(environment, for: securityProtocol))
        self.init(securityProtocol: securityProtocol, caLocation: caLocation, sasl: sasl)
    }

    private static func password(_ environment: EnvironmentReader, for securityProtocol: SecurityProtocol) throws(ConfigurationError) -> KafkaSecret {
        if let file = environment.raw("KAFKA_SASL_PASSWORD_FILE") {
            guard let contents = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigurationError(variable: "KAFKA_SASL_PASSWORD_FILE", value: file, expected: "a readable file holding the SASL password")
            }
            let password = contents.trimmingCharacters(in: .newlines)
            guard !password.isEmpty else {
                throw ConfigurationError(
                    variable: "KAFKA_SASL_PASSWORD_FILE", value: file, expected: "a file holding the SASL password (it is empty)")
            }
            return KafkaSecret(password)
        }
        guard let password = environment.values["KAFKA_SASL_PASSWORD"], !password.isEmpty else {
            throw ConfigurationError(
                variable: "KAFKA_SASL_PASSWORD_FILE", value: "",
                expected: "a file holding the SASL password, or KAFKA_SASL_PASSWORD (KAFKA_SECURITY_PROTOCOL=\(securityProtocol.rawValue))"
            )
        }
        return KafkaSecret(password)
    }
}
