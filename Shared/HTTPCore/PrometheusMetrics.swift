import Hummingbird
import Metrics
import Prometheus

/// The process's Prometheus registry; swift-metrics is bootstrapped with it on first use, so the
/// metrics of Hummingbird, PostgresNIO and our own code all land in it.
public enum PrometheusMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Adds `GET /metrics`, in Prometheus's text format.
    public static func addRoutes(to router: Router<some RequestContext>) {
        router.get("/metrics") { _, _ -> Response in
            let text = registry.emitToBuffer()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: text))
            )
        }
    }
}
