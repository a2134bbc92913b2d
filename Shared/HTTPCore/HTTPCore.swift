// HTTPCore: what every service's HTTP side is built from, web's and the API services' alike. The
// configuration of the listener (`HTTPConfiguration`), structured logs, Prometheus metrics, traces
// (swift-otel, when an OTLP endpoint is configured), the health routes, the middleware stack around
// a service's own error handling (`HTTPService`), and what the process runs on (`ServiceProcess`).
// No database and no broker: web's binary links neither.
//
// Depends on HTTPKit, Settings, Basics, Hummingbird, NIO, swift-prometheus and swift-otel.
