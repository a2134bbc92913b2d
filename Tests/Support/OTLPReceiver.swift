import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A span as an OTLP exporter sent it, with the name of the service that made it.
public struct ReceivedSpan: Sendable, CustomStringConvertible {
    /// OTLP's span kinds.
    public enum Kind: Int, Sendable {
        case unspecified = 0
        case `internal`
        case server
        case client
        case producer
        case consumer
    }

    public let service: String
    public let name: String
    public let kind: Kind
    /// Lower-case hex, as in a W3C `traceparent`.
    public let traceID: String
    public let spanID: String
    public let parentSpanID: String?
    public let startNanoseconds: UInt64

    public var description: String { "\(service): \(name) (\(kind), span \(spanID), parent \(parentSpanID ?? "none"))" }
}

/// A small OTLP/HTTP receiver for the JSON encoding (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`):
/// it accepts `POST /v1/traces` on 127.0.0.1, on a port the system picks, and keeps every span.
public final class OTLPReceiver: Sendable {
    private let received = Mutex<[ReceivedSpan]>([])
    private let boundPort = Mutex<Int?>(nil)

    private init() {}

    /// The base address to give a service as `OTEL_EXPORTER_OTLP_ENDPOINT`.
    public var endpoint: String { "http://127.0.0.1:\(boundPort.withLock { $0 } ?? 0)" }

    public var spans: [ReceivedSpan] { received.withLock { $0 } }

    public func spans(inTrace traceID: String) -> [ReceivedSpan] { spans.filter { $0.traceID == traceID } }

    /// Runs `body` while a receiver listens, then stops it (also when `body` throws).
    public static func withReceiver<T: Sendable>(_ body: (OTLPReceiver) async throws -> T) async throws -> T {
        let receiver = OTLPReceiver()
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 << 20)
            try receiver.accept(Data(body.readableBytesView))
            // An empty ExportTraceServiceResponse: full success.
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        var logger = Logger(label: "otlp-receiver")
        // Quiet: stopping it by cancellation makes Hummingbird log an error that means nothing here.
        logger.logLevel = .critical
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in receiver.boundPort.withLock { $0 = channel.localAddress?.port } },
            logger: logger
        )
        return try await whileRunning([application]) {
            guard try await eventually(timeout: .seconds(30), { receiver.boundPort.withLock { $0 } != nil }) else {
                throw TimedOut(what: "the OTLP receiver's start")
            }
            return try await body(receiver)
        }
    }

    /// Keeps the spans of one export request (`ExportTraceServiceRequest` in OTLP's JSON mapping).
    func accept(_ body: Data) throws {
        guard let export = try JSONSerialization.jsonObject(with: body) as? [String: Any] else { throw TestFailure("not a JSON object") }
        var spans: [ReceivedSpan] = []
        for resourceSpans in export["resourceSpans"] as? [[String: Any]] ?? [] {
            let attributes = (resourceSpans["resource"] as? [String: Any])?["attributes"] as? [[String: Any]] ?? []
            let serviceName = attributes.first { $0["key"] as? String == "service.name" }
            let service = (serviceName?["value"] as? [String: Any])?["stringValue"] as? String ?? "?"
            for scopeSpans in resourceSpans["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scopeSpans["spans"] as? [[String: Any]] ?? [] {
                    guard let traceID = Self.hexID(span["traceId"]), let spanID = Self.hexID(span["spanId"]) else {
                        throw TestFailure("a span without ids: \(span)")
                    }
                    spans.append(
                        ReceivedSpan(
                            service: service, name: span["name"] as? String ?? "",
                            kind: ReceivedSpan.Kind(rawValue: span["kind"] as? Int ?? 0) ?? .unspecified,
                            traceID: traceID, spanID: spanID, parentSpanID: Self.hexID(span["parentSpanId"]),
                            startNanoseconds: UInt64(span["startTimeUnixNano"] as? String ?? "") ?? 0
                        ))
                }
            }
        }
        received.withLock { $0 += spans }
    }

    /// An id in lower-case hex. OTLP's JSON mapping says hex; protobuf's general JSON mapping (which
    /// some exporters use) says base64: both are read. Nil when absent or empty (a root span's parent).
    static func hexID(_ value: Any?) -> String? {
        guard let text = value as? String, !text.isEmpty else { return nil }
        let isHex = (text.count == 32 || text.count == 16) && text.allSatisfy(\.isHexDigit)
        if isHex { return text.lowercased() }
        guard let bytes = Data(base64Encoded: text), !bytes.isEmpty, !bytes.allSatisfy({ $0 == 0 }) else { return nil }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
