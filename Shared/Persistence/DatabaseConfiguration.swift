import Basics
import Foundation
import PostgresNIO
import Settings

/// Where a service's PostgreSQL database is, parsed from a `postgres://user:password@host:port/database` URL
/// (with `?sslmode=…` for TLS, see `DatabaseTLS`).
public struct DatabaseConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// The most connections the pool opens; by default `defaultMaxConnections`.
    public var maxConnections: Int
    /// The longest a statement may run before PostgreSQL cancels it (`statement_timeout`), so that
    /// no request or worker can hold a connection for ever.
    public var statementTimeout: Duration
    /// How long opening one connection (TCP and authentication) may take.
    public var connectTimeout: Duration
    public var tls: DatabaseTLS

    /// A replica's pool. Replicas are the unit of scale, and more connections per replica only made
    /// their queries wait for each other inside PostgreSQL: with 10 each, two posts replicas had a
    /// worse p99 for one article than with 4, and served no more requests a second.
    public static let defaultMaxConnections = 4

    public init(
        host: String, port: Int, username: String, password: String?, database: String, maxConnections: Int = defaultMaxConnections,
        statementTimeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(3), tls: DatabaseTLS = .disabled
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.maxConnections = maxConnections
        self.statementTimeout = statementTimeout
        self.connectTimeout = connectTimeout
        self.tls = tls
    }

    /// Parses a `postgres://` or `postgresql://` URL; `variable` names the setting in the error.
    /// `sslMode` (`DATABASE_SSLMODE`) is the TLS mode of a URL that names none, and `rootCertificateFile`
    /// (`DATABASE_SSL_ROOT_CERT`) takes the place of the URL's `sslrootcert`.
    public init(
        url text: String, variable: String, sslMode: String? = nil, rootCertificateFile: String? = nil, maxConnections: Int = defaultMaxConnections,
        statementTimeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(3)
    ) throws(ConfigurationError) {
        let expected = "a URL like postgres://user:password@host:5432/database"
        guard let components = URLComponents(string: text),
            ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty,
            let username = components.user, !username.isEmpty
        else {
            throw ConfigurationError(variable: variable, value: Self.redacting(text), expected: expected)
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw ConfigurationError(variable: variable, value: Self.redacting(text), expected: expected)
        }
        self.init(
            host: host,
            port: components.port ?? 5432,
            username: components.user?.removingPercentEncoding ?? username,
            password: components.password?.removingPercentEncoding,
            database: database,
            maxConnections: maxConnections,
            statementTimeout: statementTimeout,
            connectTimeout: connectTimeout,
            tls: try DatabaseTLS(
                query: components.queryItems ?? [], defaultMode: sslMode, rootCertificateFile: rootCertificateFile, urlVariable: variable,
                redactedURL: Self.redacting(text)
            )
        )
    }

    /// Reads `DATABASE_URL` (by default the native stack's database of `serviceName`), `DATABASE_SSLMODE`, `DATABASE_SSL_ROOT_CERT`,
    /// `DATABASE_MAX_CONNECTIONS`, `DATABASE_STATEMENT_TIMEOUT` and `DATABASE_CONNECT_TIMEOUT`.
    public init(environment: EnvironmentReader, serviceName: String) throws(ConfigurationError) {
        try self.init(
            url: environment.string("DATABASE_URL", default: "postgres://inkwell_\(serviceName)@127.0.0.1:5433/inkwell_\(serviceName)"),
            variable: "DATABASE_URL",
            sslMode: environment.raw("DATABASE_SSLMODE"),
            rootCertificateFile: environment.raw("DATABASE_SSL_ROOT_CERT"),
            maxConnections: try environment.integer("DATABASE_MAX_CONNECTIONS", default: Self.defaultMaxConnections, in: 1...500),
            statementTimeout: try environment.seconds("DATABASE_STATEMENT_TIMEOUT", default: 30, in: 0.1...3600),
            connectTimeout: try environment.seconds("DATABASE_CONNECT_TIMEOUT", default: 3, in: 0.1...300)
        )
    }

    /// The URL with its password masked, so that it can go into logs and error messages.
    public static func redacting(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "(unparseable)"
    }

    public var postgresClientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: tls.clientTLS
        )
        // Every connection the pool parks arms a keep-alive timer and an idle timer: sleeping tasks
        // that a cancellation does not free before their deadline (30 and 60 s by default). Under
        // the read load they held megabytes per replica, and their wake-ups after it kept an idle
        // replica busy. So no keep-alive query (a connection the server closed is noticed at once
        // anyway), and idle connections are closed after 10 s.
        configuration.options.maximumConnections = maxConnections
        configuration.options.keepAliveBehavior = nil
        configuration.options.connectionIdleTimeout = .seconds(10)
        configuration.options.connectTimeout = connectTimeout
        // No JIT compilation: the services' queries are short, and a plan costed above
        // `jit_above_cost` (the home page's generic plan is) spent far longer compiling than running.
        configuration.options.additionalStartupParameters = [("statement_timeout", "\(statementTimeout.milliseconds)"), ("jit", "off")]
        return configuration
    }

    /// A single connection's configuration, outside the pool (the ``DatabaseMonitor``'s), with the
    /// pool's TLS settings.
    public func postgresConnectionConfiguration(connectTimeout: Duration) throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: try tls.connectionTLS())
        configuration.options.connectTimeout = TimeAmount(connectTimeout)
        return configuration
    }
}
