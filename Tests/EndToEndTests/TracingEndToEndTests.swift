import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// One comment through the gateway is one trace, across processes, the broker and the outbox:
    /// posts, comments and the notifier run with tracing on (their replicas restarted with an OTLP
    /// endpoint: a receiver of the test's own), and the comment is sent with a `traceparent` of the
    /// test's making, so that the test knows the trace's id and its root.
    @Suite(.nativeStackOnly) struct TracingEndToEndTests {
        static let tracedServices = ["posts", "comments", "notifier"]

        @Test func aCommentIsOneTraceFromTheRequestToItsEmail() async throws {
            try await OTLPReceiver.withReceiver { receiver in
                try await Self.restartTraced(exportingTo: receiver.endpoint)
                do {
                    try await Self.checkOneTrace(receiver)
                } catch {
                    try await Self.restartTraced(exportingTo: nil)
                    throw error
                }
                try await Self.restartTraced(exportingTo: nil)
            }
        }

        static func checkOneTrace(_ receiver: OTLPReceiver) async throws {
            let writer = try await registerMember("twriter")
            let reader = try await registerMember("treader")
            let title = "Traced \(UUID().uuidString.prefix(6))"
            let created = try await request(
                .POST, Stack.gateway + "/api/articles", headers: writer.headers,
                body: #"{"article":{"title":"\#(title)","description":"d","body":"b"}}"#)
            let slug = try ((((created.json as? [String: Any])?["article"]) as? [String: Any])?["slug"] as? String).unwrap("slug: \(created.body)")

            let traceID = randomHex(bytes: 16)
            let rootSpanID = randomHex(bytes: 8)
            let requestID = "traced-\(randomHex(bytes: 8))"
            let commented = try await request(
                .POST, Stack.gateway + "/api/articles/\(slug)/comments",
                headers: reader.headers + [("traceparent", "00-\(traceID)-\(rootSpanID)-01"), ("X-Request-ID", requestID)],
                body: #"{"comment":{"body":"Traced!"}}"#)
            #expect(commented.status == 200)

            // The spans the trace must hold; each found once its whole chain of parents up to the
            // test's root has arrived (children may be exported before their parents end).
            func tree() -> TraceTree { TraceTree(spans: receiver.spans(inTrace: traceID), root: rootSpanID) }
            let wanted: [(String, (ReceivedSpan) -> Bool)] = [
                ("comments' request span", { $0.service == "comments" && $0.kind == .server && $0.name.contains("comments") }),
                ("posts' article check", { $0.service == "posts" && $0.kind == .server && $0.name.contains("internal/articles") }),
                ("comments' outbox write", { $0.service == "comments" && $0.name == "outbox write comment.created" }),
                ("the relay's publish", { $0.service == "comments" && $0.kind == .producer && $0.name == "publish comment.created" }),
                ("the notifier's handling", { $0.service == "notifier" && $0.kind == .consumer && $0.name == "handle comment.created" }),
                ("the SMTP send", { $0.service == "notifier" && $0.kind == .client && $0.name == "smtp send" }),
            ]
            let complete = try await eventually(timeout: .seconds(180), every: .milliseconds(500)) {
                let tree = tree()
                return wanted.allSatisfy { _, matches in tree.spans.contains { matches($0) && tree.reachesRoot($0) } }
            }
            let trace = tree()
            print("tracing figures: the trace of one comment (\(trace.spans.count) spans):\n\(trace.rendered)")
            #expect(complete, "every wanted span arrived, joined to the request's root")
            var found: [String: ReceivedSpan] = [:]
            for (what, matches) in wanted {
                let matching = trace.spans.filter(matches)
                #expect(matching.count == 1, "one \(what): \(matching)")
                found[what] = matching.first
            }
            guard let request = found["comments' request span"], let check = found["posts' article check"],
                let write = found["comments' outbox write"],
                let publish = found["the relay's publish"], let handling = found["the notifier's handling"], let send = found["the SMTP send"]
            else { return }

            #expect(request.parentSpanID == rootSpanID, "the request continues the caller's trace")
            // The article check: posts' span under a client span of comments' (AsyncHTTPClient's) under the request.
            let call = trace.parent(of: check)
            #expect(call?.service == "comments" && call?.kind == .client, "posts' span is a child of comments' call: \(String(describing: call))")
            #expect(trace.isDescendant(check, of: request))
            #expect(write.parentSpanID == request.spanID, "the outbox write is the request's")
            #expect(publish.parentSpanID == write.spanID, "the relay's publish continues the outbox row's trace")
            #expect(handling.parentSpanID == publish.spanID, "the consumer handles the event under its publish")
            #expect(send.parentSpanID == handling.spanID, "the email is sent under the handling that recorded it")
            #expect(trace.spans.allSatisfy(trace.reachesRoot), "no span of the trace hangs loose")

            // The log lines: the request's carry its trace id beside its request id, and so does
            // the notifier's line about the email, written in the SMTP send's span.
            let requestLines = try logLines(of: "comments").filter { $0.contains("request_id=\(requestID)") }
            #expect(!requestLines.isEmpty, "comments logged the request")
            #expect(requestLines.allSatisfy { $0.contains("trace_id=\(traceID)") }, "\(requestLines)")
            let emailLines = try logLines(of: "notifier").filter { $0.contains("email sent") && $0.contains("trace_id=\(traceID)") }
            #expect(emailLines.count == 1, "the notifier's email line carries the trace id")
        }

        /// The log lines of every replica of `service` (scripts/test's native stack writes them to
        /// `$INKWELL_STATE/logs/<service>-<replica>.log`, in logfmt).
        static func logLines(of service: String) throws -> [Substring] {
            let logs = URL(fileURLWithPath: try Stack.environment["INKWELL_STATE"].unwrap("INKWELL_STATE")).appendingPathComponent("logs")
            return try (1...Stack.replicas).flatMap { replica in
                try String(contentsOf: logs.appendingPathComponent("\(service)-\(replica).log"), encoding: .utf8).split(separator: "\n")
            }
        }

        /// Stops the traced services' replicas and starts them again, exporting their spans to
        /// `endpoint` (or untraced, as scripts/test started them, when nil).
        static func restartTraced(exportingTo endpoint: String?) async throws {
            for service in tracedServices {
                for replica in 1...Stack.replicas { try await Stack.control("stop", "\(service)-\(replica)") }
            }
            var environment = ProcessInfo.processInfo.environment
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
            environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = endpoint == nil ? nil : "http/json"
            // Export soon after a span ends (the default waits 5 s); the test waits for the spans anyway.
            environment["OTEL_BSP_SCHEDULE_DELAY"] = endpoint == nil ? nil : "200"
            let (status, output) = try await ChildProcess.run(
                try Stack.stackControl.unwrap("INKWELL_STACKCTL"), arguments: ["start-services"], environment: environment)
            guard status == 0 else { throw StackError("stackctl start-services exited \(status): \(output)") }
        }

        static func randomHex(bytes: Int) -> String {
            (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        }
    }
}

/// The spans of one trace, as a tree under the root span id the caller chose.
struct TraceTree {
    let spans: [ReceivedSpan]
    let root: String

    func parent(of span: ReceivedSpan) -> ReceivedSpan? {
        spans.first { $0.spanID == span.parentSpanID }
    }

    /// Whether following the parents of `span` ends at the root (and not at a span not yet received).
    func reachesRoot(_ span: ReceivedSpan) -> Bool {
        var current = span
        for _ in 0...spans.count {
            if current.parentSpanID == root { return true }
            guard let parent = parent(of: current) else { return false }
            current = parent
        }
        return false
    }

    func isDescendant(_ span: ReceivedSpan, of ancestor: ReceivedSpan) -> Bool {
        var current = span
        for _ in 0...spans.count {
            guard let parent = parent(of: current) else { return false }
            if parent.spanID == ancestor.spanID { return true }
            current = parent
        }
        return false
    }

    /// One line per span, indented under its parent, in start order.
    var rendered: String {
        func lines(under parentID: String, depth: Int) -> [String] {
            spans.filter { $0.parentSpanID == parentID }.sorted { $0.startNanoseconds < $1.startNanoseconds }.flatMap { span in
                ["\(String(repeating: "  ", count: depth))\(span.service): \(span.name) [\(span.kind)]"] + lines(under: span.spanID, depth: depth + 1)
            }
        }
        let joined = Set(spans.filter(reachesRoot).map(\.spanID))
        let loose = spans.filter { !joined.contains($0.spanID) }.map { "  (loose) \($0)" }
        return (lines(under: root, depth: 1) + loose).joined(separator: "\n")
    }
}
