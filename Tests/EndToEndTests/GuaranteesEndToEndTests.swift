import Foundation
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

extension EndToEnd {
    /// What a client can count on: its own writes on its next request, whichever replica answers; the
    /// API in service without the broker; one service's database away costing only that service.
    @Suite struct GuaranteesEndToEndTests {
        /// Where reads of `service` go: each replica in turn on the native stack, else the gateway.
        static func readURL(_ service: String, _ index: Int) -> String {
            guard Stack.isNative else { return Stack.gateway }
            let replicas = Stack.replicaURLs.filter { $0.service == service }
            return replicas[index % replicas.count].url
        }

        static func object(_ result: HTTPResult, _ key: String) -> [String: Any]? {
            (result.json as? [String: Any])?[key] as? [String: Any]
        }

        /// What a read that missed a write answered, for the test's output: enough to tell a stale
        /// answer from a failed one, and to find the request in the logs.
        static func miss(_ what: String, _ index: Int, _ result: HTTPResult) -> String {
            "\(what) of pair \(index): status \(result.status), request \(result.headers.first(name: "X-Request-ID") ?? "-"), "
                + "at \(Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))): \(result.body.prefix(300))"
        }

        static func createArticle(_ title: String, by member: Member, tagList: String = "[]") async throws -> String {
            let created = try await request(
                .POST, Stack.gateway + "/api/articles", headers: member.headers,
                body: #"{"article":{"title":"\#(title)","description":"d","body":"b","tagList":\#(tagList)}}"#)
            return try (object(created, "article")?["slug"] as? String).unwrap("slug: \(created.body)")
        }

        @Test func aFollowAndAnUnfollowAreSeenOnTheVeryNextReadOnEveryReplica() async throws {
            let author = try await registerMember("followed")
            let reader = try await registerMember("follower")
            let slug = try await Self.createArticle("Follow me \(UUID().uuidString.prefix(6))", by: author)
            let comment = try await request(
                .POST, Stack.gateway + "/api/articles/\(slug)/comments", headers: author.headers, body: #"{"comment":{"body":"my own"}}"#)
            #expect(comment.status == 200)
            let pairs = 100
            var seen = (article: 0, feed: 0, comments: 0, unfollowedArticle: 0, unfollowedFeed: 0)
            var misses: [String] = []
            for index in 0..<pairs {
                let follow = try await request(.POST, Stack.gateway + "/api/profiles/\(author.username)/follow", headers: reader.headers)
                #expect(follow.status == 200)
                let article = try await request(.GET, Self.readURL("posts", index) + "/api/articles/\(slug)", headers: reader.headers)
                if (Self.object(article, "article")?["author"] as? [String: Any])?["following"] as? Bool == true {
                    seen.article += 1
                } else {
                    misses.append(Self.miss("the article after the follow", index, article))
                }
                let feed = try await request(.GET, Self.readURL("posts", index + 1) + "/api/articles/feed", headers: reader.headers)
                if ((feed.json as? [String: Any])?["articles"] as? [[String: Any]])?.contains(where: { $0["slug"] as? String == slug }) == true {
                    seen.feed += 1
                } else {
                    misses.append(Self.miss("the feed after the follow", index, feed))
                }
                let comments = try await request(.GET, Self.readURL("comments", index) + "/api/articles/\(slug)/comments", headers: reader.headers)
                let authors = ((comments.json as? [String: Any])?["comments"] as? [[String: Any]])?.compactMap { $0["author"] as? [String: Any] }
                if authors?.first?["following"] as? Bool == true {
                    seen.comments += 1
                } else {
                    misses.append(Self.miss("the comments after the follow", index, comments))
                }

                let unfollow = try await request(.DELETE, Stack.gateway + "/api/profiles/\(author.username)/follow", headers: reader.headers)
                #expect(unfollow.status == 200)
                let after = try await request(.GET, Self.readURL("posts", index + 1) + "/api/articles/\(slug)", headers: reader.headers)
                if (Self.object(after, "article")?["author"] as? [String: Any])?["following"] as? Bool == false {
                    seen.unfollowedArticle += 1
                } else {
                    misses.append(Self.miss("the article after the unfollow", index, after))
                }
                let emptyFeed = try await request(.GET, Self.readURL("posts", index) + "/api/articles/feed", headers: reader.headers)
                if (emptyFeed.json as? [String: Any])?["articlesCount"] as? Int == 0 {
                    seen.unfollowedFeed += 1
                } else {
                    misses.append(Self.miss("the feed after the unfollow", index, emptyFeed))
                }
            }
            print(
                "guarantee figures: \(pairs) follow→read pairs: the article said following \(seen.article), the feed held it \(seen.feed), the comments said following \(seen.comments); \(pairs) unfollow→read pairs: the article said not following \(seen.unfollowedArticle), the feed was empty \(seen.unfollowedFeed)"
            )
            for miss in misses { print("guarantee missed: \(miss)") }
            #expect(seen.article == pairs)
            #expect(seen.feed == pairs)
            #expect(seen.comments == pairs)
            #expect(seen.unfollowedArticle == pairs)
            #expect(seen.unfollowedFeed == pairs)
        }

        @Test func aRenameIsSeenOnTheWritersOwnArticleAndCommentOnTheVeryNextRead() async throws {
            var writer = try await registerMember("renamed")
            let slug = try await Self.createArticle("My name changes \(UUID().uuidString.prefix(6))", by: writer)
            #expect(
                try await request(
                    .POST, Stack.gateway + "/api/articles/\(slug)/comments", headers: writer.headers, body: #"{"comment":{"body":"mine"}}"#
                ).status == 200)
            let renames = 100
            var seen = (article: 0, comment: 0, bio: 0)
            for index in 0..<renames {
                let name = "renamed\(index)x\(UUID().uuidString.prefix(6).lowercased())"
                let bio = "bio number \(index)"
                let updated = try await request(
                    .PUT, Stack.gateway + "/api/user", headers: writer.headers, body: #"{"user":{"username":"\#(name)","bio":"\#(bio)"}}"#)
                let token = try (Self.object(updated, "user")?["token"] as? String).unwrap("token: \(updated.body)")
                writer = Member(username: name, email: writer.email, token: token)
                let article = try await request(.GET, Self.readURL("posts", index) + "/api/articles/\(slug)", headers: writer.headers)
                let author = Self.object(article, "article")?["author"] as? [String: Any]
                if author?["username"] as? String == name { seen.article += 1 }
                if author?["bio"] as? String == bio { seen.bio += 1 }
                let comments = try await request(
                    .GET, Self.readURL("comments", index + 1) + "/api/articles/\(slug)/comments", headers: writer.headers)
                let commenter = (((comments.json as? [String: Any])?["comments"] as? [[String: Any]])?.first?["author"] as? [String: Any])
                if commenter?["username"] as? String == name { seen.comment += 1 }
            }
            print(
                "guarantee figures: \(renames) renames: the next read of the article showed the new name \(seen.article) times and the new bio \(seen.bio), of the comment \(seen.comment)"
            )
            #expect(seen.article == renames)
            #expect(seen.bio == renames)
            #expect(seen.comment == renames)
        }

        @Test func aTagListGivenAsAStringIsOneTag() async throws {
            let writer = try await registerMember("stringtags")
            let tag = "swift\(UUID().uuidString.prefix(6).lowercased())"
            let slug = try await Self.createArticle("A string tag \(tag)", by: writer, tagList: #""\#(tag)""#)
            let article = try await request(.GET, Stack.gateway + "/api/articles/\(slug)", headers: writer.headers)
            #expect(Self.object(article, "article")?["tagList"] as? [String] == [tag])
            let untagged = try await Self.createArticle("An empty string tag \(tag)", by: writer, tagList: #""""#)
            let plain = try await request(.GET, Stack.gateway + "/api/articles/\(untagged)", headers: writer.headers)
            #expect(Self.object(plain, "article")?["tagList"] as? [String] == [])
        }

        /// Requests sent over and over by `workers` tasks until `end`: what failed, and how many were answered.
        final class Tally: Sendable {
            let failures = Mutex<[String]>([])
            let answered = Atomic<Int>(0)
            let slowest = Mutex<Duration>(.zero)

            func record(_ what: String, _ result: HTTPResult?, expected: Int = 200, error: (any Error)? = nil, took: Duration = .zero) {
                answered.add(1, ordering: .relaxed)
                slowest.withLock { $0 = max($0, took) }
                if let error {
                    failures.withLock { $0.append("\(what): \(error)") }
                } else if let result, result.status != expected {
                    failures.withLock { $0.append("\(what): \(result.status) \(result.body.prefix(120))") }
                }
            }
        }

        @Test(.nativeStackOnly) func aMinuteWithoutTheBrokerCostsNoRequestNoReadinessAndNoEmail() async throws {
            let writer = try await registerMember("brokerless")
            let reader = try await registerMember("brokerlessreader")
            let run = UUID().uuidString.prefix(6)
            let slug = try await Self.createArticle("Without a broker \(run)", by: writer)
            let outage = Duration.seconds(Int64(Stack.environment["INKWELL_BROKER_OUTAGE_SECONDS"].flatMap(Int.init) ?? 60))

            try await Stack.control("kill", "broker")
            let tally = Tally()
            final class Notes: Sendable {
                let notReady = Mutex<[String]>([])
                let titles = Mutex<[String]>([])
            }
            let notes = Notes()
            let end = ContinuousClock.now + outage
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Every API replica's readiness, every second.
                group.addTask {
                    while ContinuousClock.now < end {
                        for (service, url) in Stack.replicaURLs where service != "web" {
                            let status = (try? await request(.GET, url + "/health/ready"))?.status
                            if status != 200 {
                                notes.notReady.withLock { $0.append("\(service) at \(url): \(status.map(String.init) ?? "no answer")") }
                            }
                        }
                        try await Task.sleep(for: .seconds(1))
                    }
                }
                // Readers.
                for worker in 0..<3 {
                    group.addTask {
                        var index = worker
                        while ContinuousClock.now < end {
                            let paths = [
                                "/api/articles/\(slug)", "/api/articles?limit=5", "/api/articles/\(slug)/comments",
                                "/api/profiles/\(writer.username)", "/api/tags", "/article/\(slug)",
                            ]
                            let path = paths[index % paths.count]
                            index += 1
                            do {
                                tally.record(path, try await request(.GET, Stack.gateway + path, headers: index % 2 == 0 ? reader.headers : []))
                            } catch {
                                tally.record(path, nil, error: error)
                            }
                        }
                    }
                }
                // A writer: an article, a comment on it (an email to its writer), a favorite, a follow and an unfollow.
                group.addTask {
                    var index = 0
                    while ContinuousClock.now < end {
                        do {
                            let title = "Written without a broker \(run) \(index)"
                            let created = try await request(
                                .POST, Stack.gateway + "/api/articles", headers: writer.headers,
                                body: #"{"article":{"title":"\#(title)","description":"d","body":"b"}}"#)
                            tally.record("create", created, expected: 201)
                            guard let newSlug = Self.object(created, "article")?["slug"] as? String else { continue }
                            let commented = try await request(
                                .POST, Stack.gateway + "/api/articles/\(newSlug)/comments", headers: reader.headers,
                                body: #"{"comment":{"body":"while the broker is away"}}"#)
                            tally.record("comment", commented)
                            if commented.status == 200 { notes.titles.withLock { $0.append(title) } }
                            tally.record(
                                "favorite", try await request(.POST, Stack.gateway + "/api/articles/\(newSlug)/favorite", headers: reader.headers))
                            let follow = index % 2 == 0 ? HTTPMethod.POST : .DELETE
                            tally.record(
                                "follow",
                                try await request(follow, Stack.gateway + "/api/profiles/\(writer.username)/follow", headers: reader.headers))
                        } catch {
                            tally.record("write", nil, error: error)
                        }
                        index += 1
                        try await Task.sleep(for: .milliseconds(200))
                    }
                }
                try await group.waitForAll()
            }
            try await Stack.control("broker-start")

            let failures = tally.failures.withLock { $0 }
            let unready = notes.notReady.withLock { $0 }
            let written = notes.titles.withLock { $0 }
            print(
                "guarantee figures: broker away for \(outage): \(tally.answered.load(ordering: .relaxed)) requests, \(failures.count) failed; readiness not 200 \(unready.count) times; \(written.count) comments written"
            )
            #expect(failures.isEmpty, "failed requests: \(failures.prefix(5))")
            #expect(unready.isEmpty, "not ready: \(unready.prefix(5))")
            #expect(written.count > 10)

            // Each comment's email arrives once the broker is back, once.
            let expected = Set(written.map { "\(reader.username) commented on \($0)" })
            func delivered() async throws -> [String] {
                try await Mailbox.emails().filter { $0.recipient == writer.email }.compactMap(\.subject).filter(expected.contains)
            }
            let all = try await eventually(timeout: .seconds(180), every: .seconds(1)) { try await Set(delivered()) == expected }
            try await Task.sleep(for: .seconds(2))
            let received = try await delivered()
            print(
                "guarantee figures: after the broker came back, \(Set(received).count) of \(expected.count) comment emails arrived, \(received.count - Set(received).count) twice"
            )
            #expect(all, "missing: \(expected.subtracting(received).prefix(3))")
            #expect(received.count == expected.count, "each email once")
        }

        @Test(.nativeStackOnly) func withCommentsDatabaseAwayOnlyCommentsAnswer503AndPagesSaySo() async throws {
            let writer = try await registerMember("nodatabase")
            let slug = try await Self.createArticle("Comments database away \(UUID().uuidString.prefix(6))", by: writer)
            #expect(
                try await request(
                    .POST, Stack.gateway + "/api/articles/\(slug)/comments", headers: writer.headers, body: #"{"comment":{"body":"before"}}"#
                ).status == 200)

            try await Stack.control("database-stop", "comments")
            let others = Tally()
            let comments = Tally()
            let pages = Tally()
            let clock = ContinuousClock()
            do {
                let end = clock.now + .seconds(20)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        var index = 0
                        while clock.now < end {
                            let paths = [
                                "/api/articles/\(slug)", "/api/articles?limit=5", "/api/tags", "/api/profiles/\(writer.username)", "/api/user",
                            ]
                            let path = paths[index % paths.count]
                            index += 1
                            do {
                                let start = clock.now
                                let result = try await request(.GET, Stack.gateway + path, headers: writer.headers, timeout: .seconds(10))
                                others.record(path, result, took: clock.now - start)
                            } catch {
                                others.record(path, nil, error: error)
                            }
                        }
                    }
                    group.addTask {
                        var index = 0
                        while clock.now < end {
                            let start = clock.now
                            do {
                                let result =
                                    index % 2 == 0
                                    // With a token: the gateway's cache is for anonymous reads.
                                    ? try await request(
                                        .GET, Stack.gateway + "/api/articles/\(slug)/comments", headers: writer.headers, timeout: .seconds(10))
                                    : try await request(
                                        .POST, Stack.gateway + "/api/articles/\(slug)/comments", headers: writer.headers,
                                        body: #"{"comment":{"body":"during"}}"#, timeout: .seconds(10))
                                let took = clock.now - start
                                comments.record("comments", result, expected: 503, took: took)
                                if result.status == 503 && result.headers.first(name: "Retry-After") == nil {
                                    comments.failures.withLock { $0.append("a 503 without Retry-After") }
                                }
                            } catch {
                                comments.record("comments", nil, error: error)
                            }
                            index += 1
                            try await Task.sleep(for: .milliseconds(100))
                        }
                    }
                    group.addTask {
                        while clock.now < end {
                            let start = clock.now
                            do {
                                let page = try await request(.GET, Stack.gateway + "/article/\(slug)", timeout: .seconds(10))
                                pages.record("article page", page, took: clock.now - start)
                                if !page.body.contains("The comments cannot be shown right now") {
                                    pages.failures.withLock { $0.append("the page does not say the comments are missing") }
                                }
                            } catch {
                                pages.record("article page", nil, error: error)
                            }
                            try await Task.sleep(for: .milliseconds(250))
                        }
                    }
                    try await group.waitForAll()
                }
                for (service, url) in Stack.replicaURLs where service == "comments" {
                    #expect(try await request(.GET, url + "/health/ready").status == 503, "\(url) is not ready")
                    #expect(try await request(.GET, url + "/health/live").status == 200, "\(url) is live")
                }
            } catch {
                try await Stack.control("database-start", "comments")
                throw error
            }
            try await Stack.control("database-start", "comments")

            print(
                "guarantee figures: comments' database away 20 s: other routes \(others.answered.load(ordering: .relaxed)) requests, \(others.failures.withLock { $0.count }) failed, slowest \(others.slowest.withLock { $0 }); comment routes \(comments.answered.load(ordering: .relaxed)) answered 503, slowest \(comments.slowest.withLock { $0 }); article page \(pages.answered.load(ordering: .relaxed)) renders, slowest \(pages.slowest.withLock { $0 })"
            )
            #expect(others.failures.withLock { $0 }.isEmpty, "\(others.failures.withLock { $0.prefix(5) })")
            #expect(comments.failures.withLock { $0 }.isEmpty, "\(comments.failures.withLock { $0.prefix(5) })")
            #expect(pages.failures.withLock { $0 }.isEmpty, "\(pages.failures.withLock { $0.prefix(5) })")
            #expect(comments.answered.load(ordering: .relaxed) > 10)

            // Back: the comments answer again.
            #expect(
                try await eventually(timeout: .seconds(30), every: .milliseconds(250)) {
                    try await request(.GET, Stack.gateway + "/api/articles/\(slug)/comments").status == 200
                })
        }
    }
}
