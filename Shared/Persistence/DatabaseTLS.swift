import Foundation
import Logging
import PostgresNIO
import Settings

/// How a service's connections to PostgreSQL use TLS: libpq's `sslmode` (from `DATABASE_URL`'s
/// query, else `DATABASE_SSLMODE`) and the CA certificates that sign the server's (`DATABASE_SSL_ROOT_CERT`, or the URL's
/// `sslrootcert`, like libpq's; without one, the system's trusted CAs).
public struct DatabaseTLS: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        /// No TLS (the default when neither the URL nor `DATABASE_SSLMODE` names a mode).
        case disable
        /// TLS when the server offers it, otherwise plain; the certificate is not checked.
        case prefer
        /// TLS or no connection; the certificate is checked only against a given CA file (as libpq does).
        case require
        /// TLS, with a certificate signed by a trusted CA.
        case verifyCA = "verify-ca"
        /// TLS, with a certificate signed by a trusted CA and naming the host the URL names.
        case verifyFull = "verify-full"
    }

    public var mode: Mode
    /// The file the CA certificates came from, for messages.
    public var rootCertificateFile: String?
    var rootCertificates: [NIOSSLCertificate]?

    public static let disabled = DatabaseTLS(mode: .disable, rootCertificateFile: nil, rootCertificates: nil)

    /// Reads `sslmode` and `sslrootcert` from the URL's query; `defaultMode` (`DATABASE_SSLMODE`)
    /// is the mode of a URL that names none, and `rootCertificateFile` (`DATABASE_SSL_ROOT_CERT`)
    /// takes the place of `sslrootcert`. `urlVariable` and `redactedURL` name the setting in errors.
    init(
        query: [URLQueryItem], defaultMode: String?, rootCertificateFile: String?, urlVariable: String, redactedURL: String
    ) throws(ConfigurationError) {
        let options = Mode.allCases.map(\.rawValue).joined(separator: ", ")
        let fromURL = query.last { $0.name == "sslmode" }?.value
        guard let mode = Mode(rawValue: (fromURL ?? defaultMode ?? Mode.disable.rawValue).lowercased()) else {
            guard fromURL != nil else {
                throw ConfigurationError(variable: "DATABASE_SSLMODE", value: defaultMode ?? "", expected: "one of \(options)")
            }
            throw ConfigurationError(variable: urlVariable, value: redactedURL, expected: "sslmode one of \(options)")
        }
        self.mode = mode
        let file = rootCertificateFile ?? query.last { $0.name == "sslrootcert" }?.value
        self.rootCertificateFile = file
        guard let file else {
            self.rootCertificates = nil
            return
        }
        let variable = rootCertificateFile == nil ? urlVariable : "DATABASE_SSL_ROOT_CERT"
        let certificates = try? NIOSSLCertificate.fromPEMFile(file)
        guard let certificates, !certificates.isEmpty else {
            throw ConfigurationError(variable: variable, value: file, expected: "a readable PEM file of CA certificates")
        }
        self.rootCertificates = certificates
    }

    init(mode: Mode, rootCertificateFile: String?, rootCertificates: [NIOSSLCertificate]?) {
        self.mode = mode
        self.rootCertificateFile = rootCertificateFile
        self.rootCertificates = rootCertificates
    }

    var clientTLS: PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(tlsConfiguration)
        case .require, .verifyCA, .verifyFull: .require(tlsConfiguration)
        }
    }

    /// The same for a single connection outside the pool.
    func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: tlsConfiguration))
        case .require, .verifyCA, .verifyFull: .require(try NIOSSLContext(configuration: tlsConfiguration))
        }
    }

    var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable, .prefer: configuration.certificateVerification = .none
        case .require: configuration.certificateVerification = rootCertificates == nil ? .none : .noHostnameVerification
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        if let rootCertificates { configuration.trustRoots = .certificates(rootCertificates) }
        return configuration
    }

    /// The settings behind this, for messages: `sslmode=verify-full, DATABASE_SSL_ROOT_CERT=/ca.pem`.
    var settingsDescription: String {
        "sslmode=\(mode.rawValue), DATABASE_SSL_ROOT_CERT=\(rootCertificateFile ?? "(unset: the system's CAs)")"
    }
}

/// The database refused to be trusted, or to speak TLS at all, as configured: not something that
/// waiting mends, so the service stops at start-up with it (as with a configuration error).
public struct DatabaseTLSRefusal: Error, CustomStringConvertible {
    public let reason: String
    public let host: String
    public let tls: DatabaseTLS

    public var description: String {
        "the database at \(host) was refused over TLS: \(reason) (DATABASE_URL \(tls.settingsDescription))"
    }

    /// What `error`, from opening a connection, says about TLS; nil when it is about something else.
    init?(_ error: any Error, host: String, tls: DatabaseTLS) {
        self.host = host
        self.tls = tls
        switch error {
        case let error as PSQLError where error.code == .sslUnsupported:
            reason = "the server does not accept TLS connections"
        case let error as PSQLError:
            guard let underlying = error.underlying, let refusal = Self(underlying, host: host, tls: tls) else { return nil }
            reason = refusal.reason
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            reason = "its certificate does not name the host \"\(host)\""
        case let error as NIOSSLError:
            if case .handshakeFailed(let failure) = error, "\(failure)".contains("CERTIFICATE_VERIFY_FAILED") {
                let signers = tls.rootCertificateFile.map { "a CA in \($0)" } ?? "a CA this system trusts"
                reason = "its certificate is not signed by \(signers) (CERTIFICATE_VERIFY_FAILED)"
            } else {
                reason = "the TLS handshake failed (\(error))"
            }
        default:
            return nil
        }
    }
}

extension DatabaseConfiguration {
    /// Opens one connection with the configured TLS and closes it again, so that a certificate the
    /// service cannot trust is reported at once as a `DatabaseTLSRefusal`, not retried (the pool
    /// would only give up after its circuit breaker tripped, without saying why). Does nothing
    /// without TLS.
    public func checkTLS(logger: Logger) async throws {
        guard tls.mode != .disable else { return }
        let context = try NIOSSLContext(configuration: tls.tlsConfiguration)
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: tls.mode == .prefer ? .prefer(context) : .require(context)
        )
        configuration.options.connectTimeout = TimeAmount(connectTimeout)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            if let refusal = DatabaseTLSRefusal(error, host: host, tls: tls) { throw refusal }
            throw error
        }
    }
}
