import Foundation
import Settings
import Testing

@testable import Notifier

/// How emails are written, and the notifier's settings, without a broker, a database or an SMTP server.
@Suite struct EmailTests {
    let date = Date(timeIntervalSince1970: 1_455_765_776)

    func message(subject: String = "Hello", to name: String = "Ann") -> EmailMessage {
        EmailMessage(
            from: .init(name: "Inkwell", email: "no-reply@inkwell.local"), to: .init(name: name, email: "ann@example.com"),
            subject: subject, text: "Hi Ann,\n\nwelcome.\n", messageID: "notification-42@inkwell.local", date: date
        )
    }

    /// The text of a header's encoded words.
    func decoded(_ value: String) -> String {
        value.components(separatedBy: "\r\n ").map { word in
            let base64 = word.dropFirst("=?UTF-8?B?".count).dropLast("?=".count)
            return String(decoding: Data(base64Encoded: String(base64)) ?? Data(), as: UTF8.self)
        }.joined()
    }

    @Test func theMessageHasItsHeadersAndABase64Body() throws {
        let text = String(decoding: try message().rendered(), as: UTF8.self)
        let (head, body) = try #require(text.range(of: "\r\n\r\n").map { (String(text[..<$0.lowerBound]), String(text[$0.upperBound...])) })
        let headers = head.components(separatedBy: "\r\n")
        #expect(headers.contains("Date: Thu, 18 Feb 2016 03:22:56 +0000"))
        #expect(headers.contains("Message-ID: <notification-42@inkwell.local>"))
        #expect(headers.contains("From: \(EmailMessage.encodedWord("Inkwell")) <no-reply@inkwell.local>"))
        #expect(headers.contains("To: \(EmailMessage.encodedWord("Ann")) <ann@example.com>"))
        #expect(headers.contains("Content-Type: text/plain; charset=UTF-8"))
        #expect(headers.contains("Content-Transfer-Encoding: base64"))
        #expect(text.hasSuffix("\r\n"))
        let decodedBody = Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: ""))
        #expect(decodedBody.map { String(decoding: $0, as: UTF8.self) } == "Hi Ann,\n\nwelcome.\n")
    }

    @Test func userTextInHeadersIsEncodedSoItCannotAddAHeader() throws {
        let sneaky = "eve\r\nBcc: victim@example.com"
        let text = String(decoding: try message(subject: "Hello \(sneaky)", to: sneaky).rendered(), as: UTF8.self)
        #expect(!text.contains("\r\nBcc:"))
        #expect(decoded(EmailMessage.encodedWord(sneaky)) == sneaky)
    }

    @Test func longTextIsSplitIntoEncodedWordsOfAtMost75CharactersOnCharacterBoundaries() {
        let title = String(repeating: "Drachen und Löwen 🐉 ", count: 8)
        let encoded = EmailMessage.encodedWord(title)
        let words = encoded.components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") })
        #expect(decoded(encoded) == title)
        #expect(EmailMessage.encodedWord("") == "=?UTF-8?B??=")
    }

    @Test func aBodyIsWrittenInLinesOf76Characters() {
        let lines = EmailMessage.base64Lines(Data(repeating: 0xAB, count: 200))
        #expect(lines.dropLast().allSatisfy { $0.count == 76 })
        #expect(lines.joined() == Data(repeating: 0xAB, count: 200).base64EncodedString())
    }

    @Test(arguments: ["ann@example.com", "ann+tag@sub.example.org"])
    func anAddressIsUsable(_ address: String) throws {
        #expect(try EmailMessage.checked(address) == address)
    }

    @Test(arguments: [
        "ann", "a@b@c", "ann@example.com>\r\nBcc: x@y.z", "<ann@example.com>", "ann @example.com", String(repeating: "a", count: 250) + "@b.co",
    ])
    func anAddressThatCouldAddAHeaderIsRefused(_ address: String) {
        #expect(throws: EmailMessage.InvalidAddress.self) { try EmailMessage.checked(address) }
    }

    @Test func eachKindSaysWhatHappened() {
        #expect(NotificationKind.welcome.text(recipient: "ann", actor: nil, title: nil).subject == "Welcome to Inkwell, ann")
        #expect(NotificationKind.followed.text(recipient: "ann", actor: "bob", title: nil).subject == "bob started following you")
        let commented = NotificationKind.commented.text(recipient: "ann", actor: "bob", title: "Dragons")
        #expect(commented.subject == "bob commented on Dragons")
        #expect(commented.body.contains("commented on your article \"Dragons\""))
        #expect(NotificationKind.favorited.text(recipient: "ann", actor: nil, title: nil).subject == "Someone favorited your article")
    }

    @Test func theSettingsOfTheNotifierAreReadWithTheirLimits() throws {
        let settings = try NotifierConfiguration(environment: EnvironmentReader(["NOTIFY_RETRY_BASE": "0.5", "MAIL_FROM": "mail@inkwell.example"]))
        #expect(settings.from == .init(name: "Inkwell", email: "mail@inkwell.example"))
        #expect(settings.maxAttempts == 8)
        #expect(throws: ConfigurationError.self) { try NotifierConfiguration(environment: EnvironmentReader(["SMTP_URL": "http://mail"])) }
        #expect(throws: ConfigurationError.self) { try NotifierConfiguration(environment: EnvironmentReader(["MAIL_FROM": "a\r\nBcc: b@c.d"])) }
    }

    @Test func aFailedEmailWaitsTheRetryBaseDoublingUpToAMinute() throws {
        let settings = try NotifierConfiguration(environment: EnvironmentReader(["NOTIFY_RETRY_BASE": "5"]))
        #expect(
            (1...6).map { settings.emailRetries.delay(afterFailure: $0) } == [
                .seconds(5), .seconds(10), .seconds(20), .seconds(40), .seconds(60), .seconds(60),
            ])
    }
}
