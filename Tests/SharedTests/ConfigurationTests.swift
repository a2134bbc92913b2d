import Logging
import TestSupport
import Testing

@testable import HTTPCore
@testable import Persistence
@testable import ServiceCore
@testable import Settings

@Suite struct ConfigurationTests {
    @Test func defaultsFitTheNativeStack() throws {
        let configuration = try ServiceConfiguration(serviceName: "posts", defaultPort: 8201, environment: EnvironmentReader([:]))
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8201)
        #expect(configuration.database.port == 5433)
        #expect(configuration.database.database == "inkwell_posts")
        #expect(configuration.logFormat == .logfmt)
        #expect(configuration.logLevel == .info)
        #expect(configuration.tracesEndpoint == nil, "tracing is off unless an endpoint is set")
    }

    @Test func anOTLPEndpointTurnsTracingOn() throws {
        let set = try ServiceConfiguration(
            serviceName: "posts", defaultPort: 8201, environment: EnvironmentReader(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]))
        #expect(set.tracesEndpoint == "http://collector:4318")
        let empty = try ServiceConfiguration(
            serviceName: "posts", defaultPort: 8201, environment: EnvironmentReader(["OTEL_EXPORTER_OTLP_ENDPOINT": " "]))
        #expect(empty.tracesEndpoint == nil, "an empty value (compose's default) leaves it off")
    }

    @Test func readsEveryVariable() throws {
        let environment = EnvironmentReader([
            "HOST": "0.0.0.0", "PORT": "9000", "LOG_FORMAT": "JSON", "LOG_LEVEL": "debug",
            "DATABASE_URL": "postgresql://alice:s%40cret@db.internal:6543/blog", "MAX_BODY_BYTES": "2048",
        ])
        let configuration = try ServiceConfiguration(serviceName: "auth", defaultPort: 8101, environment: environment)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9000)
        #expect(configuration.logFormat == .json)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.maxBodyBytes == 2048)
        #expect(
            configuration.database == DatabaseConfiguration(host: "db.internal", port: 6543, username: "alice", password: "s@cret", database: "blog"))
    }

    @Test(arguments: [
        ("PORT", "eighty", "an integer from 0 to 65535"),
        ("PORT", "70000", "an integer from 0 to 65535"),
        ("LOG_FORMAT", "xml", "one of logfmt, json"),
        ("LOG_LEVEL", "loud", "one of trace, debug, info, notice, warning, error, critical"),
        ("DATABASE_URL", "mysql://u@h/db", "a URL like postgres://user:password@host:5432/database"),
        ("DATABASE_URL", "postgres://u@h", "a URL like postgres://user:password@host:5432/database"),
        ("MAX_BODY_BYTES", "-1", "an integer from 1024 to 67108864"),
    ])
    func aBadValueNamesTheVariableAndWhatItExpected(variable: String, value: String, expected: String) {
        #expect(throws: ConfigurationError(variable: variable, value: value, expected: expected)) {
            try ServiceConfiguration(serviceName: "auth", defaultPort: 8101, environment: EnvironmentReader([variable: value]))
        }
    }

    @Test func aPasswordNeverAppearsInTheError() {
        do {
            _ = try DatabaseConfiguration(url: "postgres://user:hunter2@/db", variable: "DATABASE_URL")
            Issue.record("expected an error")
        } catch {
            #expect(!error.description.contains("hunter2"))
            #expect(error.description.contains("DATABASE_URL"))
        }
    }
}
