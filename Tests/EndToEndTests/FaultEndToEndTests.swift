import Foundation
import Synchronization
import TestSupport
import Testing

extension EndToEnd {
    /// Replicas and whole services failing under the gateway.
    /// Run in this order (the suite is serialized): the notifier first, while the consumer groups are
    /// fresh (see Tansu's consumer groups in docs/operations.md, "Limits of the native stack").
    @Suite(.nativeStackOnly) struct FaultEndToEndTests {
        func createArticle(_ title: String, by headers: [(String, String)]) async throws -> String {
            let created = try await request(
                .POST, Stack.gateway + "/api/articles", headers: headers, body: #"{"article":{"title":"\#(title)","description":"d","body":"b"}}"#)
            return try ((((created.json as? [String: Any])?["article"]) as? [String: Any])?["slug"] as? String).unwrap("slug: \(created.body)")
        }

        @Test func commentsMadeWhileTheNotifierIsStoppedAreEmailedOnceWhenItIsBack() async throws {
            let writer = try await registerMember("offline")
            let reader = try await registerMember("commenter")
            // The writer's registration reaches the notifier before it stops.
            #expect(
                try await eventually(timeout: .seconds(30)) {
                    try await Mailbox.emails().contains { $0.recipient == writer.email }
                })
            let titles = (0..<5).map { "Offline \($0) \(UUID().uuidString.prefix(6))" }
            var slugs: [String] = []
            for title in titles { slugs.append(try await createArticle(title, by: writer.headers)) }

            for replica in 1...Stack.replicas { try await Stack.control("stop", "notifier-\(replica)") }
            for slug in slugs {
                let reply = try await request(
                    .POST, Stack.gateway + "/api/articles/\(slug)/comments", headers: reader.headers,
                    body: #"{"comment":{"body":"while you were away"}}"#)
                #expect(reply.status == 200)
            }
            try await Task.sleep(for: .seconds(2))
            try await Stack.control("start-services")

            let subjects = Set(titles.map { "\(reader.username) commented on \($0)" })
            func delivered() async throws -> [String] {
                try await Mailbox.emails().filter { $0.recipient == writer.email }.compactMap(\.subject).filter(subjects.contains)
            }
            // The restarted replicas rejoin the consumer group first.
            #expect(try await eventually(timeout: .seconds(120), every: .milliseconds(250)) { try await Set(delivered()) == subjects })
            try await Task.sleep(for: .seconds(2))
            let received = try await delivered().count
            print("fault figures: notifier stopped during \(subjects.count) comments: \(subjects.count) emails expected, \(received) received")
            #expect(received == subjects.count, "each email once")
        }

        @Test(.enabled(if: Stack.replicas >= 2, "needs two replicas"))
        // SIGTERM: the replica stops taking connections and finishes what it has in flight. (A SIGKILL can
        // cut a response whose head nginx has already forwarded, which no proxy can retry: seen once in
        // 15,366 requests.)
        func aPostsReplicaTerminatedDuringReadsCostsTheClientNothing() async throws {
            let writer = try await registerMember("fault")
            let slug = try await createArticle("Under load \(UUID().uuidString.prefix(6))", by: writer.headers)
            final class Tally: Sendable {
                let failures = Mutex<[String]>([])
                let served = Atomic<Int>(0)
            }
            let tally = Tally()
            let end = ContinuousClock.now + .seconds(20)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        while ContinuousClock.now < end {
                            let path = worker % 2 == 0 ? "/api/articles?limit=5" : "/api/articles/\(slug)"
                            do {
                                let result = try await request(.GET, Stack.gateway + path)
                                if result.status == 200 {
                                    tally.served.add(1, ordering: .relaxed)
                                } else {
                                    tally.failures.withLock { $0.append("\(result.status) \(result.body)") }
                                }
                            } catch {
                                tally.failures.withLock { $0.append("\(error)") }
                            }
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(5))
                    try await Stack.control("stop", "posts-1")
                }
                try await group.waitForAll()
            }
            let failures = tally.failures.withLock { $0 }
            print(
                "fault figures: posts-1 terminated during 20 s of reads: \(tally.served.load(ordering: .relaxed) + failures.count) requests, \(failures.count) failed"
            )
            #expect(failures.isEmpty, "failed requests: \(failures.prefix(5))")
            #expect(tally.served.load(ordering: .relaxed) > 100)

            // It comes back and takes requests again.
            try await Stack.control("start-services")
            let port = Stack.services.first { $0.name == "posts" }!.basePort + 1
            #expect(try await request(.GET, "http://127.0.0.1:\(port)/health/ready").status == 200)
            #expect(
                try await eventually(timeout: .seconds(10)) {
                    try await request(.GET, Stack.gateway + "/api/articles/\(slug)").status == 200
                })
        }

        @Test func withCommentsStoppedCommentRoutesAre503AndTheRestWorks() async throws {
            let writer = try await registerMember("nocomments")
            let slug = try await createArticle("No comments \(UUID().uuidString.prefix(6))", by: writer.headers)
            for replica in 1...Stack.replicas { try await Stack.control("stop", "comments-\(replica)") }
            do {
                let list = try await request(.GET, Stack.gateway + "/api/articles/\(slug)/comments")
                print("fault figures: comments stopped: GET comments → \(list.status)")
                #expect(list.status == 503)
                #expect(list.conduitErrors == ["body": ["service temporarily unavailable, try again"]])
                let create = try await request(
                    .POST, Stack.gateway + "/api/articles/\(slug)/comments", headers: writer.headers, body: #"{"comment":{"body":"hi"}}"#)
                #expect(create.status == 503)
                #expect(try await request(.GET, Stack.gateway + "/api/articles/\(slug)").status == 200)
                #expect(try await request(.GET, Stack.gateway + "/api/user", headers: writer.headers).status == 200)
                #expect(try await request(.GET, Stack.gateway + "/api/tags").status == 200)
            } catch {
                try await Stack.control("start-services")
                throw error
            }
            try await Stack.control("start-services")
            // nginx tries a failed replica again after fail_timeout (2 s).
            #expect(
                try await eventually(timeout: .seconds(15), every: .milliseconds(250)) {
                    try await request(.GET, Stack.gateway + "/api/articles/\(slug)/comments").status == 200
                })
        }
    }
}
