import Foundation

/// What one mirrored read says: the article's slug, from the address the reader asked for, and
/// who the reader is, as a string that is hashed and never kept.
struct ReadSource: Sendable, Equatable {
    let slug: String
    let reader: String

    static let maxSlugBytes = 512

    /// The slug of `/api/articles/{slug}` or `/article/{slug}` (a query is ignored); nil for any
    /// other address, for `/api/articles/feed` (the feed, not an article) and for a slug longer than
    /// any article has.
    static func slug(fromURI uri: String) -> String? {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let rest: Substring
        if path.hasPrefix("/api/articles/") {
            rest = path.dropFirst("/api/articles/".count)
            if rest == "feed" { return nil }
        } else if path.hasPrefix("/article/") {
            rest = path.dropFirst("/article/".count)
        } else {
            return nil
        }
        guard !rest.isEmpty, !rest.contains("/"), let slug = String(rest).removingPercentEncoding, !slug.isEmpty,
            slug.utf8.count <= maxSlugBytes, !slug.contains("/"), !slug.unicodeScalars.contains(where: { $0.value < 0x20 })
        else { return nil }
        return slug
    }

    /// The signed-in reader's user id (the token's `sub`, from `Authorization` or the pages' session
    /// cookie), or else the client's address and user agent together. The token is not verified:
    /// it only tells readers apart, and a forged one buys no more than a changed user agent does.
    static func reader(authorization: String?, cookie: String?, address: String?, userAgent: String?) -> String {
        if let authorization {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, ["token", "bearer"].contains(parts[0].lowercased()), let subject = subject(ofToken: String(parts[1])) {
                return "user:" + subject
            }
        }
        if let cookie {
            for pair in cookie.split(separator: ";") {
                let nameAndValue = pair.split(separator: "=", maxSplits: 1)
                guard nameAndValue.count == 2 else { continue }
                let name = nameAndValue[0].trimmingCharacters(in: .whitespaces)
                guard name == "inkwell_session" || name == "__Host-inkwell_session" else { continue }
                if let subject = subject(ofToken: nameAndValue[1].trimmingCharacters(in: .whitespaces)) { return "user:" + subject }
            }
        }
        return "visitor:" + (address ?? "") + "\n" + (userAgent ?? "")
    }

    /// The `sub` claim of a JWT, read without checking its signature.
    static func subject(ofToken token: String) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].utf8.count <= 4096 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
            let claims = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let subject = claims["sub"] as? String, !subject.isEmpty, subject.utf8.count <= 128
        else { return nil }
        return subject
    }
}
