import Foundation

extension Data {
    /// base64url (RFC 4648 §5) without padding, as tokens and cookies carry it.
    public var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=", with: "")
    }

    public init?(base64URLEncoded text: some StringProtocol) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}

extension String {
    /// The string, or nil when it is empty (an empty query parameter counts as none).
    public var nonEmpty: String? { isEmpty ? nil : self }

    /// The string as one URL path segment or query value: percent-encoded but for RFC 3986's
    /// unreserved characters, so `/`, `?`, `&` and `=` in it stay data.
    public var urlComponentEncoded: String {
        addingPercentEncoding(withAllowedCharacters: .urlUnreservedASCII) ?? ""
    }
}

extension CharacterSet {
    /// RFC 3986's unreserved characters: ASCII letters, digits, `-`, `.`, `_` and `~`.
    public static let urlUnreservedASCII = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
