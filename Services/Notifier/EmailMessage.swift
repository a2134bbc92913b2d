import Foundation

/// A plain-text email, rendered as RFC 5322 with a UTF-8 body. Every header value that can hold
/// user-controlled text (names, titles) is written as an RFC 2047 encoded word, and addresses
/// with line breaks or angle brackets are refused, so no user can add a header.
struct EmailMessage: Sendable, Equatable {
    struct Address: Sendable, Equatable {
        var name: String
        var email: String
    }

    var from: Address
    var to: Address
    var subject: String
    var text: String
    /// Without angle brackets: `notification-42@inkwell.local`.
    var messageID: String
    var date: Date

    struct InvalidAddress: Error, CustomStringConvertible {
        let address: String
        var description: String { "not a usable email address: \(address.debugDescription)" }
    }

    static func checked(_ email: String) throws -> String {
        let forbidden = CharacterSet(charactersIn: "<>\r\n\"(),;:\\ \t")
        guard email.utf8.count <= 254, email.filter({ $0 == "@" }).count == 1, email.rangeOfCharacter(from: forbidden) == nil else {
            throw InvalidAddress(address: email)
        }
        return email
    }

    func rendered() throws -> [UInt8] {
        let lines =
            [
                "Date: \(Self.rfc5322Date(date))",
                "Message-ID: <\(messageID)>",
                "From: \(Self.encodedWord(from.name)) <\(try Self.checked(from.email))>",
                "To: \(Self.encodedWord(to.name)) <\(try Self.checked(to.email))>",
                "Subject: \(Self.encodedWord(subject))",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=UTF-8",
                "Content-Transfer-Encoding: base64",
                "",
            ] + Self.base64Lines(Data(text.utf8))
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// `=?UTF-8?B?…?=` words of at most 75 characters, split on character boundaries.
    static func encodedWord(_ text: String) -> String {
        var words: [String] = []
        var chunk = ""
        for character in text {
            if Data((chunk + String(character)).utf8).count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty || words.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    static func base64Lines(_ data: Data) -> [String] {
        let encoded = data.base64EncodedString()
        return stride(from: 0, to: encoded.count, by: 76).map { start in
            let from = encoded.index(encoded.startIndex, offsetBy: start)
            let to = encoded.index(from, offsetBy: min(76, encoded.count - start))
            return String(encoded[from..<to])
        }
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
