import Foundation

/// A certificate authority and a certificate it signs for the name `localhost` only, made with
/// openssl in a folder of their own when a test asks for them.
public struct TestCertificates: Sendable {
    public let directory: String
    public var caFile: String { directory + "/ca.pem" }
    public var certificateFile: String { directory + "/server.pem" }
    public var keyFile: String { directory + "/server.key" }

    public static func make() async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inkwell-tls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        try await openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=Inkwell test CA", "-keyout", directory + "/ca.key", "-out", certificates.caFile)
        try await openssl(
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost",
            "-keyout", certificates.keyFile, "-out", directory + "/server.csr")
        try "subjectAltName=DNS:localhost\n".write(toFile: directory + "/server.ext", atomically: true, encoding: .utf8)
        try await openssl(
            "x509", "-req", "-in", directory + "/server.csr", "-CA", certificates.caFile, "-CAkey", directory + "/ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", directory + "/server.ext", "-out", certificates.certificateFile)
        return certificates
    }

    /// A CA of its own that signed none of these certificates: a client trusting only it refuses them.
    public func unrelatedCAFile() async throws -> String {
        let file = directory + "/unrelated-ca.pem"
        try await Self.openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=Some other CA", "-keyout", directory + "/unrelated-ca.key", "-out", file)
        return file
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func openssl(_ arguments: String...) async throws {
        let (status, output) = try await ChildProcess.run("/usr/bin/openssl", arguments: arguments)
        guard status == 0 else { throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(output)") }
    }
}

/// A Tansu broker of the test's own behind stunnel (Debian's stunnel4), which takes TLS on `port`
/// with `certificates` and passes the plain stream on; the broker advertises `localhost:port`,
/// so clients speak TLS to it throughout. Tansu's own TLS options cannot be used: its 0.6.0
/// refuses `--cert` together with `--key`.
public final class TLSBroker: Sendable {
    public let broker: PrivateBroker
    let stunnel: ChildProcess
    public let port: Int
    public let stunnelLog: String

    public static var stunnelBinary: String { ProcessInfo.processInfo.environment["INKWELL_STUNNEL_BIN"] ?? "/usr/bin/stunnel4" }

    private init(broker: PrivateBroker, stunnel: ChildProcess, port: Int, stunnelLog: String) {
        self.broker = broker
        self.stunnel = stunnel
        self.port = port
        self.stunnelLog = stunnelLog
    }

    /// `authentication`: the broker requires SASL/SCRAM of its clients.
    public static func start(certificates: TestCertificates, authentication: Bool = false) async throws -> TLSBroker {
        let port = try await freePort()
        let (broker, plainPort) = try await PrivateBroker.start(advertising: ("localhost", port), authentication: authentication)
        let configuration = certificates.directory + "/stunnel-\(port).conf"
        let log = certificates.directory + "/stunnel-\(port).log"
        try """
        foreground = yes
        pid =
        [kafka]
        accept = 127.0.0.1:\(port)
        connect = 127.0.0.1:\(plainPort)
        cert = \(certificates.certificateFile)
        key = \(certificates.keyFile)

        """.write(toFile: configuration, atomically: true, encoding: .utf8)
        let stunnel = try ChildProcess.spawn(stunnelBinary, arguments: [configuration], outputFile: log)
        guard try await eventually(timeout: .seconds(20), { await PrivateBroker.isListening(on: port) }) else {
            await stunnel.terminate()
            await broker.stop()
            throw TimedOut(what: "stunnel listening on \(port) (\(log))")
        }
        return TLSBroker(broker: broker, stunnel: stunnel, port: port, stunnelLog: log)
    }

    public func stop() async {
        await stunnel.terminate()
        await broker.stop()
    }

    /// Runs `body` with a broker behind stunnel and the certificates made for it, and stops and
    /// removes them after, also when `body` throws.
    public static func with<T>(authentication: Bool = false, _ body: (TLSBroker, TestCertificates) async throws -> T) async throws -> T {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let broker = try await start(certificates: certificates, authentication: authentication)
        do {
            let result = try await body(broker, certificates)
            await broker.stop()
            return result
        } catch {
            await broker.stop()
            throw error
        }
    }
}
