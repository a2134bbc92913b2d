import Basics
import Logging
import OTel
import ServiceLifecycle
import Synchronization

/// Distributed tracing with swift-otel, exporting OTLP over HTTP (protobuf, or JSON with
/// `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`) when the configuration names an endpoint; otherwise the
/// instrumentation system keeps its no-op tracer and spans cost nothing.
public enum TraceExport {
    private static let bootstrapped = Mutex(false)

    /// Bootstraps the process's tracer, named after the service, and returns the service that
    /// batches and exports its spans: it must run in the service group, which flushes it on shutdown.
    /// Nil when tracing is off, when a tracer is already bootstrapped (once per process), or when
    /// swift-otel refuses its `OTEL_*` settings (said in the log; the service runs untraced).
    ///
    /// AsyncHTTPClient takes the tracer when a client is made, so this runs before any is.
    public static func bootstrap(_ configuration: HTTPConfiguration, logger: Logger) -> (any Service)? {
        guard let endpoint = configuration.tracesEndpoint else { return nil }
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return nil }
        var otel = OTel.Configuration.default
        otel.serviceName = configuration.serviceName
        otel.logs.enabled = false
        otel.metrics.enabled = false
        otel.diagnosticLogger = .custom(logger.component("otel"))
        do {
            let exporter = try OTel.bootstrap(configuration: otel, environment: configuration.environment.values)
            logger.info("tracing on", metadata: ["endpoint": "\(endpoint)"])
            return exporter
        } catch {
            logger.error("tracing is off: swift-otel refused its settings", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
