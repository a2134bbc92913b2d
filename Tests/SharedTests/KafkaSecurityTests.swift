import Foundation
import Logging
import TestSupport
import Testing

@testable import Kafka
@testable import ServiceCore
@testable import Settings

/// Kafka over TLS (Tansu behind stunnel, see `TLSBroker`) and with SASL/SCRAM. Tansu 0.6.0 checks
/// SCRAM only with `--authentication`, and then takes no request, creating a user included, from a
/// client that has not authenticated; its storage here is memory, so no user can be made for it:
/// the SASL tests see the SCRAM exchange reach the broker and the broker refuse the unknown user.
@Suite("Kafka over TLS and SASL", .enabled(if: TestKafka.tansuBinary != nil, "needs INKWELL_TANSU_BIN (scripts/test sets it)"), .serialized)
struct KafkaSecurityTests {
    static func configuration(port: Int, security: KafkaSecurity) -> KafkaConfiguration {
        var configuration = TestKafka.configuration(brokers: "localhost:\(port)")
        configuration.security = security
        return configuration
    }

    static func capturingLogger(_ lines: LoggingTests.Lines) -> Logger {
        Logger(label: "kafka-security") { StructuredLogHandler(label: $0, format: .logfmt, level: .debug, output: lines.output) }
    }

    @Test func eventsFlowOverTLS() async throws {
        try await TLSBroker.with { broker, certificates in
            let configuration = Self.configuration(
                port: broker.port, security: KafkaSecurity(securityProtocol: .ssl, caLocation: certificates.caFile))
            let producer = try KafkaProducer(configuration: configuration, logger: TestKafka.logger)
            let topic = TestKafka.uniqueName("tls")
            try await producer.createTopics([topic], partitions: 1)
            _ = try await producer.send(KafkaOutgoingMessage(topic: topic, key: "key", value: Array("over TLS".utf8)))
            let consumer = try KafkaConsumer(
                configuration: configuration, groupID: TestKafka.uniqueName("tls"), topics: [topic], logger: TestKafka.logger)
            let received = try await withDeadline(.seconds(120), "the message coming back over TLS") { () -> [UInt8]? in
                for try await message in consumer.messages { return message.value }
                return nil
            }
            #expect(received == Array("over TLS".utf8))
            await consumer.close()
            await producer.close()
        }
    }

    @Test func aBrokerCertificateFromAnUnknownCAIsRefusedNamingTheSetting() async throws {
        try await TLSBroker.with { broker, certificates in
            let lines = LoggingTests.Lines()
            let security = KafkaSecurity(securityProtocol: .ssl, caLocation: try await certificates.unrelatedCAFile())
            let producer = try KafkaProducer(
                configuration: Self.configuration(port: broker.port, security: security), logger: Self.capturingLogger(lines))
            await #expect(throws: KafkaError.self) { try await producer.checkBroker(timeout: .seconds(3)) }
            let refused = try await eventually(timeout: .seconds(60)) {
                lines.all.contains { $0.contains("certificate verify failed") && $0.contains("KAFKA_SSL_CA_LOCATION must name the CA") }
            }
            #expect(refused, "\(lines.all)")
            await producer.close()
        }
    }

    @Test func scramOverTLSReachesTheBrokerAndTheSecretIsNeverLogged() async throws {
        try await TLSBroker.with(authentication: true) { broker, certificates in
            let lines = LoggingTests.Lines()
            let password = "pw-\(UUID().uuidString)"
            let security = KafkaSecurity(
                securityProtocol: .saslSSL, caLocation: certificates.caFile,
                sasl: .init(mechanism: .scramSHA512, username: "inkwell-posts", password: KafkaSecret(password)))
            var configuration = Self.configuration(port: broker.port, security: security)
            configuration.extraProperties = ["debug": "security,broker"]
            let producer = try KafkaProducer(configuration: configuration, logger: Self.capturingLogger(lines))
            let refused = try await eventually(timeout: .seconds(60)) {
                lines.all.contains {
                    $0.contains("SASL SCRAM authentication failed: broker responded with unknown-user") && $0.contains("KAFKA_SASL_USERNAME")
                }
            }
            #expect(refused, "\(lines.all.suffix(20))")
            #expect(
                lines.all.contains { $0.contains("Selected provider SCRAM (builtin) for SASL mechanism SCRAM-SHA-512") },
                "librdkafka's own SCRAM (no Cyrus SASL) does the exchange")
            #expect(!lines.all.contains { $0.contains(password) })
            #expect(!"\(configuration)".contains(password))
            await producer.close()
        }
    }

    /// The posts service itself, its password from a file and its log at debug level: the log shows
    /// the SASL exchange with the broker, and not the password.
    @Test(.enabled(if: TestDatabase.isAvailable)) func theServiceNeverLogsTheSASLPassword() async throws {
        let password = "pw-\(UUID().uuidString)"
        let (refused, output) = try await TLSBroker.with(authentication: true) { broker, certificates in
            let passwordFile = certificates.directory + "/kafka-password"
            try "\(password)\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
            let log = certificates.directory + "/posts.log"
            return try await TestDatabase.withScratchDatabase { url in
                var environment = ProcessInfo.processInfo.environment
                environment.merge([
                    "PORT": "0", "LOG_LEVEL": "debug", "KAFKA_BROKERS": "localhost:\(broker.port)", "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
                    "KAFKA_SSL_CA_LOCATION": certificates.caFile, "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256", "KAFKA_SASL_USERNAME": "inkwell-posts",
                    "KAFKA_SASL_PASSWORD_FILE": passwordFile, "DATABASE_URL": url,
                ]) { _, new in new }
                let service = try ChildProcess.spawn(builtExecutable("Posts"), environment: environment, outputFile: log)
                let refused = try await eventually(timeout: .seconds(90)) {
                    ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("SASL SCRAM authentication failed")
                }
                await service.terminate()
                return (refused, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
            }
        }
        #expect(refused, "\(output.suffix(3000))")
        #expect(!output.contains(password))
    }
}

/// A CA file librdkafka cannot load stops the real service at start-up like a wrong setting.
@Test func aCAFileWithoutACertificateStopsTheService() async throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-ca-\(UUID().uuidString).pem").path
    try "not a certificate\n".write(toFile: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: file) }
    var environment = ProcessInfo.processInfo.environment
    environment.merge([
        "PORT": "0", "KAFKA_SECURITY_PROTOCOL": "ssl", "KAFKA_SSL_CA_LOCATION": file, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
    ]) {
        $1
    }
    let (status, output) = try await ChildProcess.run(builtExecutable("Posts"), environment: environment)
    #expect(status == 78, "\(output)")
    #expect(output.contains("posts: the Kafka client cannot be made with these settings"), "\(output)")
    #expect(output.contains("ssl.ca.location failed"), "\(output)")
}

@Suite struct KafkaSettingsTests {
    func configuration(_ values: [String: String]) throws(ConfigurationError) -> KafkaConfiguration {
        try ServiceConfiguration(serviceName: "posts", defaultPort: 8201, environment: EnvironmentReader(values)).kafka
    }

    @Test func plaintextAndCreatedTopicsByDefault() throws {
        let kafka = try configuration([:])
        #expect(kafka.security == .plaintext)
        #expect(kafka.createsTopics)
        #expect(kafka.replicationFactor == 1)
        #expect(kafka.producerProperties["security.protocol"] == "plaintext")
        #expect(kafka.producerProperties["sasl.password"] == nil)
    }

    @Test func tlsAndSASLReachLibrdkafkasProperties() throws {
        let certificates = FileManager.default.temporaryDirectory.appendingPathComponent("ca-\(UUID().uuidString).pem").path
        try "not checked here".write(toFile: certificates, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: certificates) }
        let kafka = try configuration([
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SSL_CA_LOCATION": certificates, "KAFKA_SASL_MECHANISM": "scram-sha-256",
            "KAFKA_SASL_USERNAME": "posts", "KAFKA_SASL_PASSWORD": "hunter2", "KAFKA_CREATE_TOPICS": "false", "KAFKA_TOPIC_REPLICATION_FACTOR": "3",
        ])
        #expect(kafka.createsTopics == false)
        #expect(kafka.replicationFactor == 3)
        for properties in [kafka.producerProperties, kafka.consumerProperties(groupID: "posts")] {
            #expect(properties["security.protocol"] == "sasl_ssl")
            #expect(properties["ssl.ca.location"] == certificates)
            #expect(properties["sasl.mechanisms"] == "SCRAM-SHA-256")
            #expect(properties["sasl.username"] == "posts")
            #expect(properties["sasl.password"] == "hunter2")
        }
        #expect(!"\(kafka)".contains("hunter2"), "a dump of the configuration masks the password")
    }

    @Test func thePasswordComesFromItsFileWithoutTheNewline() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-password-\(UUID().uuidString)").path
        try "from-a-secret\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let kafka = try configuration([
            "KAFKA_SECURITY_PROTOCOL": "sasl_plaintext", "KAFKA_SASL_USERNAME": "posts", "KAFKA_SASL_PASSWORD_FILE": file,
            "KAFKA_SASL_PASSWORD": "ignored",
        ])
        #expect(kafka.security.sasl?.password.value == "from-a-secret")
        #expect(kafka.security.sasl?.mechanism == .scramSHA512)
    }

    @Test(arguments: [
        (["KAFKA_SECURITY_PROTOCOL": "tls"], "KAFKA_SECURITY_PROTOCOL"),
        (["KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_PASSWORD": "hunter2"], "KAFKA_SASL_USERNAME"),
        (["KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_USERNAME": "posts"], "KAFKA_SASL_PASSWORD_FILE"),
        (
            ["KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_USERNAME": "posts", "KAFKA_SASL_PASSWORD_FILE": "/nonexistent"],
            "KAFKA_SASL_PASSWORD_FILE"
        ),
        (
            [
                "KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_USERNAME": "posts", "KAFKA_SASL_PASSWORD": "hunter2",
                "KAFKA_SASL_MECHANISM": "GSSAPI",
            ],
            "KAFKA_SASL_MECHANISM"
        ),
        (["KAFKA_SECURITY_PROTOCOL": "ssl", "KAFKA_SSL_CA_LOCATION": "/nonexistent/ca.pem"], "KAFKA_SSL_CA_LOCATION"),
        (["KAFKA_CREATE_TOPICS": "maybe"], "KAFKA_CREATE_TOPICS"),
        (["KAFKA_TOPIC_REPLICATION_FACTOR": "0"], "KAFKA_TOPIC_REPLICATION_FACTOR"),
    ])
    func aWrongValueNamesItsVariableAndNeverThePassword(values: [String: String], variable: String) {
        do {
            _ = try configuration(values)
            Issue.record("accepted \(values)")
        } catch {
            #expect(error.variable == variable)
            #expect(!error.description.contains("hunter2"))
        }
    }
}
