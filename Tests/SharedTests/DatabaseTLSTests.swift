import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import Persistence
@testable import Settings

/// TLS to the test cluster, which scripts/test starts with `ssl=on` and a certificate for the name
/// `localhost` signed by a CA it makes (INKWELL_TEST_PG_CA_FILE).
enum TestClusterTLS {
    static var caFile: String? { ProcessInfo.processInfo.environment["INKWELL_TEST_PG_CA_FILE"] }
    static var isAvailable: Bool { TestDatabase.isAvailable && caFile != nil }
}

@Suite(.enabled(if: TestClusterTLS.isAvailable, "needs INKWELL_TEST_DATABASE_URL and INKWELL_TEST_PG_CA_FILE (scripts/test sets them)"))
struct DatabaseTLSTests {
    static var caFile: String? { TestClusterTLS.caFile }
    let logger = Logger(label: "database-tls-tests")

    /// The test database's URL, to `host`, with `sslmode`.
    static func url(host: String, sslmode: String) throws -> String {
        let admin = try DatabaseConfiguration(url: TestDatabase.adminURL!, variable: "INKWELL_TEST_DATABASE_URL")
        return "postgres://\(admin.username):\(admin.password ?? "")@\(host):\(admin.port)/\(admin.database)?sslmode=\(sslmode)"
    }

    static func configuration(host: String, sslmode: String, caFile: String? = DatabaseTLSTests.caFile) throws -> DatabaseConfiguration {
        try DatabaseConfiguration(url: url(host: host, sslmode: sslmode), variable: "DATABASE_URL", rootCertificateFile: caFile)
    }

    /// Whether the client's sessions run over TLS, as the server sees them.
    func sessionUsesTLS(_ configuration: DatabaseConfiguration) async throws -> Bool {
        let client = PostgresClient(configuration: configuration.postgresClientConfiguration, backgroundLogger: logger)
        return try await withRunningClient(client) {
            try await client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: logger).decode(Bool.self).collect() == [true]
        }
    }

    @Test func verifyFullConnectsOverTLSToTheNameTheCertificateHolds() async throws {
        let configuration = try Self.configuration(host: "localhost", sslmode: "verify-full")
        try await configuration.checkTLS(logger: logger)
        #expect(try await sessionUsesTLS(configuration))
    }

    @Test func withoutSSLModeTheConnectionIsPlain() async throws {
        let configuration = try DatabaseConfiguration(url: TestDatabase.adminURL!, variable: "DATABASE_URL")
        #expect(configuration.tls.mode == .disable)
        #expect(try await sessionUsesTLS(configuration) == false)
    }

    @Test func verifyCAAndRequireDoNotCheckTheHostName() async throws {
        for sslmode in ["verify-ca", "require"] {
            let configuration = try Self.configuration(host: "127.0.0.1", sslmode: sslmode)
            try await configuration.checkTLS(logger: logger)
            #expect(try await sessionUsesTLS(configuration), "sslmode=\(sslmode)")
        }
    }

    @Test func verifyFullRefusesAHostNameTheCertificateLacks() async throws {
        let configuration = try Self.configuration(host: "127.0.0.1", sslmode: "verify-full")
        let refusal = await #expect(throws: DatabaseTLSRefusal.self) { try await configuration.checkTLS(logger: logger) }
        #expect(refusal?.description.contains(#"its certificate does not name the host "127.0.0.1""#) == true, "\(String(describing: refusal))")
        #expect(refusal?.description.contains("sslmode=verify-full, DATABASE_SSL_ROOT_CERT=\(Self.caFile!)") == true)
    }

    @Test func anUnknownCAIsRefused() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let otherCA = try await certificates.unrelatedCAFile()
        for sslmode in ["verify-full", "verify-ca", "require"] {
            let configuration = try Self.configuration(host: "localhost", sslmode: sslmode, caFile: otherCA)
            let refusal = await #expect(throws: DatabaseTLSRefusal.self) { try await configuration.checkTLS(logger: logger) }
            #expect(refusal?.description.contains("its certificate is not signed by a CA in \(otherCA)") == true, "\(String(describing: refusal))")
        }
    }

    /// The real service: a certificate it cannot trust stops it at start-up, with the exit code of
    /// a configuration error and a message naming the setting, at once rather than after the
    /// database start-up timeout.
    @Test(arguments: [("127.0.0.1", false), ("localhost", true)])
    func theServiceStopsWithAConfigurationError(host: String, unknownCA: Bool) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = try Self.url(host: host, sslmode: "verify-full")
        environment["DATABASE_SSL_ROOT_CERT"] = unknownCA ? try await certificates.unrelatedCAFile() : Self.caFile!
        environment["DATABASE_STARTUP_TIMEOUT"] = "600"
        environment["KAFKA_BROKERS"] = "127.0.0.1:1"
        environment["PORT"] = "0"
        let (status, output) = try await ChildProcess.run(builtExecutable("Posts"), environment: environment)
        #expect(status == 78, "\(output)")
        let expected = unknownCA ? "its certificate is not signed by a CA in" : #"its certificate does not name the host "127.0.0.1""#
        #expect(output.contains("posts: the database at \(host) was refused over TLS: \(expected)"), "\(output)")
        #expect(output.contains("(DATABASE_URL sslmode=verify-full, DATABASE_SSL_ROOT_CERT="))
    }
}

@Suite struct DatabaseTLSSettingsTests {
    @Test func sslModeAndRootCertificateAreRead() async throws {
        let made = try await TestCertificates.make()
        defer { made.remove() }
        let certificates = made.caFile
        let configuration = try DatabaseConfiguration(
            environment: EnvironmentReader([
                "DATABASE_URL": "postgres://a:b@db.internal/x?sslmode=verify-full", "DATABASE_SSL_ROOT_CERT": certificates,
            ]),
            serviceName: "posts")
        #expect(configuration.tls.mode == .verifyFull)
        #expect(configuration.tls.rootCertificateFile == certificates)
        #expect(configuration.tls.tlsConfiguration.certificateVerification == .fullVerification)
        let fromURL = try DatabaseConfiguration(url: "postgres://a@db/x?sslmode=verify-ca&sslrootcert=\(certificates)", variable: "DATABASE_URL")
        #expect(fromURL.tls.mode == .verifyCA)
        #expect(fromURL.tls.tlsConfiguration.certificateVerification == .noHostnameVerification)
        #expect(
            try DatabaseConfiguration(url: "postgres://a@db/x?sslmode=require", variable: "DATABASE_URL").tls.tlsConfiguration.certificateVerification
                == .none)
    }

    @Test func databaseSSLModeIsTheModeOfAURLThatNamesNone() throws {
        let environment = ["DATABASE_URL": "postgres://a@db/x", "DATABASE_SSLMODE": "verify-full"]
        #expect(try DatabaseConfiguration(environment: EnvironmentReader(environment), serviceName: "posts").tls.mode == .verifyFull)
        let named = environment.merging(["DATABASE_URL": "postgres://a@db/x?sslmode=require"]) { $1 }
        #expect(try DatabaseConfiguration(environment: EnvironmentReader(named), serviceName: "posts").tls.mode == .require)
        do {
            _ = try DatabaseConfiguration(environment: EnvironmentReader(["DATABASE_SSLMODE": "on"]), serviceName: "posts")
            Issue.record("DATABASE_SSLMODE=on was accepted")
        } catch {
            #expect(error.variable == "DATABASE_SSLMODE")
        }
    }

    @Test func anUnknownSSLModeNamesTheURLWithoutItsPassword() {
        #expect(throws: ConfigurationError.self) {
            try DatabaseConfiguration(url: "postgres://a:secret@db/x?sslmode=always", variable: "DATABASE_URL")
        }
        do {
            _ = try DatabaseConfiguration(url: "postgres://a:secret@db/x?sslmode=always", variable: "DATABASE_URL")
        } catch {
            #expect(error.variable == "DATABASE_URL")
            #expect(error.expected.contains("verify-full"))
            #expect(!error.description.contains("secret"))
        }
    }

    @Test func aRootCertificateFileThatCannotBeReadNamesItsVariable() {
        do {
            _ = try DatabaseConfiguration(
                environment: EnvironmentReader([
                    "DATABASE_URL": "postgres://a@db/x?sslmode=verify-full", "DATABASE_SSL_ROOT_CERT": "/nonexistent/ca.pem",
                ]),
                serviceName: "posts")
            Issue.record("a missing CA file was accepted")
        } catch {
            #expect(error.variable == "DATABASE_SSL_ROOT_CERT")
            #expect(error.value == "/nonexistent/ca.pem")
        }
    }
}
