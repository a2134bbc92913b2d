import Instrumentation
import Kafka
import Tracing

/// How the trace context crosses what is not HTTP (HTTP is Hummingbird's `TracingMiddleware` on the
/// way in and AsyncHTTPClient on the way out): Kafka message headers, and a W3C `traceparent`
/// stored in a database row (the outbox, a notification) so that work done later, or again, still
/// belongs to the request's trace. The propagation format is the instrumentation system's (W3C
/// trace context with swift-otel); with no tracer bootstrapped, nothing is written or read.
public enum TraceContext {
    /// The current context as a W3C `traceparent`, to store beside a row; nil when no trace is recorded.
    public static func currentTraceparent() -> String? {
        guard let context = ServiceContext.current else { return nil }
        var fields: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &fields, using: FieldsInjector())
        return fields[traceparentField]
    }

    /// The context a stored `traceparent` names (top level when there is none).
    public static func context(traceparent: String?) -> ServiceContext {
        var context = ServiceContext.topLevel
        if let traceparent {
            InstrumentationSystem.instrument.extract([traceparentField: traceparent], into: &context, using: FieldsExtractor())
        }
        return context
    }

    /// `context` as Kafka message headers.
    public static func kafkaHeaders(for context: ServiceContext) -> [KafkaHeader] {
        var headers: [KafkaHeader] = []
        InstrumentationSystem.instrument.inject(context, into: &headers, using: KafkaHeadersInjector())
        return headers
    }

    /// The context a consumed message's headers carry (top level when they carry none).
    public static func context(of message: KafkaMessage) -> ServiceContext {
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(message.headers, into: &context, using: KafkaHeadersExtractor())
        return context
    }

    static let traceparentField = "traceparent"

    private struct FieldsInjector: Injector {
        func inject(_ value: String, forKey key: String, into fields: inout [String: String]) { fields[key] = value }
    }

    private struct FieldsExtractor: Extractor {
        func extract(key: String, from fields: [String: String]) -> String? { fields[key] }
    }

    private struct KafkaHeadersInjector: Injector {
        func inject(_ value: String, forKey key: String, into headers: inout [KafkaHeader]) {
            headers.append(KafkaHeader(name: key, string: value))
        }
    }

    private struct KafkaHeadersExtractor: Extractor {
        func extract(key: String, from headers: [KafkaHeader]) -> String? {
            headers.last { $0.name == key }?.stringValue
        }
    }
}
