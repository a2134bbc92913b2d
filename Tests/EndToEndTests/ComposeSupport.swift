import Foundation
import TestSupport
import Testing

/// The same end-to-end tests run against two stacks: scripts/test's native one, and the compose
/// stack of scripts/test-compose, which offers only the gateway and the mail catcher's HTTP API.
extension Stack {
    /// The native stack: the tests may start and stop its processes (stackctl), run its binaries
    /// and reach each replica's own port.
    static var isNative: Bool { stackControl != nil }
}

extension Trait where Self == ConditionTrait {
    static var nativeStackOnly: Self {
        .enabled(if: Stack.isNative, "needs the native stack's processes, binaries or replica ports (scripts/test)")
    }
}

/// An email the stack's SMTP sink received, with what the tests look at.
struct Email: Sendable {
    let recipient: String?
    let subject: String?
}

/// The mail the stack sent: the native SMTP sink's maildir (INKWELL_MAIL_DIR), or Mailpit's HTTP
/// API (INKWELL_MAILPIT_URL: `GET /api/v1/messages`, which compose's mail catcher answers).
enum Mailbox {
    static func emails() async throws -> [Email] {
        if let mailpit = Stack.environment["INKWELL_MAILPIT_URL"] {
            let result = try await request(.GET, mailpit + "/api/v1/messages?limit=5000")
            guard result.status == 200, let messages = (result.json as? [String: Any])?["messages"] as? [[String: Any]] else {
                throw StackError("Mailpit's GET /api/v1/messages answered \(result.status): \(result.body.prefix(200))")
            }
            return messages.map { message in
                let to = (message["To"] as? [[String: Any]])?.first?["Address"] as? String
                return Email(recipient: to, subject: message["Subject"] as? String)
            }
        }
        let directory = URL(fileURLWithPath: try Stack.environment["INKWELL_MAIL_DIR"].unwrap("INKWELL_MAIL_DIR or INKWELL_MAILPIT_URL"))
        return try ReceivedEmail.all(in: directory).map { Email(recipient: $0.recipient, subject: $0.subject) }
    }
}
