import Foundation
import Synchronization
import TestSupport
import Testing

extension EndToEnd {
    /// The broker killed (SIGKILL) in the middle of a stream of events and started again. The native
    /// stack's Tansu keeps its log in memory, so it comes back without topics, groups or events.
    @Suite(.nativeStackOnly) struct BrokerCrashEndToEndTests {
        static let comments = 1_000

        @Test func aBrokerCrashDuringAThousandCommentsCostsNoReplicaAndNoEmail() async throws {
            let mail = URL(fileURLWithPath: try Stack.environment["INKWELL_MAIL_DIR"].unwrap("INKWELL_MAIL_DIR"))
            let processes = try Stack.replicaProcesses()
            #expect(processes.count == Stack.services.count * Stack.replicas)
            let writer = try await registerMember("crashwriter")
            let reader = try await registerMember("crashreader")

            // An article per comment, so that each email names its comment by the article's title.
            let run = UUID().uuidString.prefix(6)
            let titles = (0..<Self.comments).map { "Crash \(run) \($0)" }
            let slugs = try await Self.concurrently(titles) { title in
                let created = try await request(
                    .POST, Stack.gateway + "/api/articles", headers: writer.headers,
                    body: #"{"article":{"title":"\#(title)","description":"d","body":"b"}}"#)
                return try ((((created.json as? [String: Any])?["article"]) as? [String: Any])?["slug"] as? String).unwrap("slug: \(created.body)")
            }

            final class Progress: Sendable { let answered = Atomic<Int>(0) }
            let progress = Progress()
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                group.addTask {
                    while progress.answered.load(ordering: .relaxed) < Self.comments / 2 { try await Task.sleep(for: .milliseconds(10)) }
                    try await Stack.control("kill", "broker")
                    try await Task.sleep(for: .seconds(1))
                    try await Stack.control("broker-start")
                    return []
                }
                group.addTask {
                    try await Self.concurrently(slugs) { slug in
                        let reply = try await request(
                            .POST, Stack.gateway + "/api/articles/\(slug)/comments", headers: reader.headers,
                            body: #"{"comment":{"body":"before, during or after the crash"}}"#)
                        progress.answered.add(1, ordering: .relaxed)
                        return reply.status
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(statuses == Array(repeating: 200, count: Self.comments), "every comment is accepted, broker or not")

            let expected = Set(titles.map { "\(reader.username) commented on \($0)" })
            func delivered() throws -> [String] {
                try ReceivedEmail.all(in: mail).filter { $0.recipient == writer.email }.compactMap(\.subject).filter(expected.contains)
            }
            let all = try await eventually(timeout: .seconds(150), every: .seconds(1)) { try Set(delivered()) == expected }
            try await Task.sleep(for: .seconds(2))
            let received = try delivered()
            print(
                "fault figures: broker killed after \(Self.comments / 2) of \(Self.comments) comments: \(Set(received).count) emails of \(Self.comments) arrived, \(received.count - Set(received).count) twice"
            )
            #expect(all, "every email arrives: \(expected.subtracting(received).count) missing")
            #expect(received.count == expected.count, "each email once")

            // No replica died and none was replaced: the same processes as before, answering.
            for (name, pid) in processes {
                #expect(Stack.isAlive(pid), "\(name) (pid \(pid)) is gone")
            }
            #expect(try Stack.replicaProcesses() == processes, "every replica is the process it was")
            for (service, url) in Stack.replicaURLs {
                #expect((try? await request(.GET, url + "/health/live"))?.status == 200, "\(service) at \(url) answers")
            }
        }

        /// `body` for every element, eight at a time; the results in the elements' order.
        static func concurrently<Element: Sendable, Result: Sendable>(
            _ elements: [Element], _ body: @escaping @Sendable (Element) async throws -> Result
        ) async throws -> [Result] {
            try await withThrowingTaskGroup(of: (Int, Result).self) { group in
                var results: [Result?] = Array(repeating: nil, count: elements.count)
                var next = 0
                func start() {
                    let index = next
                    next += 1
                    group.addTask { (index, try await body(elements[index])) }
                }
                while next < min(8, elements.count) { start() }
                while let (index, result) = try await group.next() {
                    results[index] = result
                    if next < elements.count { start() }
                }
                return results.map { $0! }
            }
        }
    }
}

extension Stack {
    /// Every service replica's pid, from the stack's pid files (`$INKWELL_STATE/run/NAME.pid`).
    static func replicaProcesses() throws -> [String: Int32] {
        let run = URL(fileURLWithPath: try environment["INKWELL_STATE"].unwrap("INKWELL_STATE")).appendingPathComponent("run")
        var processes: [String: Int32] = [:]
        for service in services {
            for replica in 1...replicas {
                let name = "\(service.name)-\(replica)"
                let text = try String(contentsOf: run.appendingPathComponent("\(name).pid"), encoding: .utf8)
                processes[name] = try Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)).unwrap("the pid of \(name)")
            }
        }
        return processes
    }

    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0
    }
}
