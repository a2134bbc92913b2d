import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// A comment through the gateway becomes one email at the stack's SMTP sink and one entry in
    /// the article author's `GET /api/notifications`.
    @Suite struct NotifierEndToEndTests {
        @Test func aCommentBecomesOneEmailAndOneNotification() async throws {
            let writer = try await registerMember("nwriter")
            let reader = try await registerMember("nreader")
            let title = "Notify \(UUID().uuidString.prefix(6))"
            let created = try await request(
                .POST, Stack.gateway + "/api/articles", headers: writer.headers,
                body: #"{"article":{"title":"\#(title)","description":"d","body":"b"}}"#)
            let slug = try ((((created.json as? [String: Any])?["article"]) as? [String: Any])?["slug"] as? String).unwrap("slug")
            let commented = try await request(
                .POST, Stack.gateway + "/api/articles/\(slug)/comments", headers: reader.headers, body: #"{"comment":{"body":"Hello!"}}"#)
            #expect(commented.status == 200)

            let subject = "\(reader.username) commented on \(title)"
            func emails() async throws -> [Email] {
                try await Mailbox.emails().filter { $0.recipient == writer.email && $0.subject == subject }
            }
            #expect(try await eventually(timeout: .seconds(30), every: .milliseconds(200)) { try await emails().count == 1 })
            try await Task.sleep(for: .seconds(1))
            #expect(try await emails().count == 1)
            #expect(try await Mailbox.emails().filter { $0.recipient == writer.email && $0.subject?.hasPrefix("Welcome") == true }.count == 1)

            let feed = try await request(.GET, Stack.gateway + "/api/notifications", headers: writer.headers)
            #expect(feed.status == 200)
            let items = ((feed.json as? [String: Any])?["notifications"] as? [[String: Any]]) ?? []
            #expect(items.filter { $0["kind"] as? String == "commented" }.map { $0["message"] as? String } == [subject])
            let onlyOwn = try await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
                let readersFeed = try await request(.GET, Stack.gateway + "/api/notifications", headers: reader.headers)
                let readersItems = ((readersFeed.json as? [String: Any])?["notifications"] as? [[String: Any]]) ?? []
                return readersItems.map { $0["kind"] as? String } == ["welcome"]
            }
            #expect(onlyOwn, "one user never sees another's notifications")
            #expect(try await request(.GET, Stack.gateway + "/api/notifications").status == 401)
        }
    }
}
