import Basics
import Crypto
import Foundation

/// Cross-site request forgery protection for the forms: every form carries a token derived from
/// the visitor's seed cookie and session (an HMAC keyed with the seed over the session's token),
/// and a POST is accepted only with the token of its own cookies, from the site's own pages. A
/// page elsewhere can make the browser send the cookies, but cannot read them, nor the token.
enum CSRF {
    /// The name of the forms' hidden field.
    static let field = "_csrf"

    static func token(seed: String, session: String?) -> String {
        let key = SymmetricKey(data: Data(seed.utf8))
        let code = HMAC<SHA256>.authenticationCode(for: Data("inkwell-form\n\(session ?? "")".utf8), using: key)
        return Data(code).base64URLEncoded
    }

    /// Whether `submitted` is the token of this seed and session (compared in constant time).
    static func isValid(_ submitted: String?, seed: String, session: String?) -> Bool {
        guard let submitted else { return false }
        let expected = Array(token(seed: seed, session: session).utf8)
        let given = Array(submitted.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Whether the request comes from the site's own pages, as far as the browser says: a
    /// `Sec-Fetch-Site` other than `same-origin` (or `none`, the user's own navigation), or an
    /// `Origin` other than the site's, is refused. The site's address is the `X-Forwarded-Host`
    /// the gateway sets (the browser's `Host`), or `Host` when called directly. Without either
    /// header (older browsers), the token alone decides. The scheme is not compared: TLS may end
    /// before the gateway, which then cannot tell.
    static func isSameOrigin(origin: String?, fetchSite: String?, forwardedHost: String?, host: String?) -> Bool {
        if let fetchSite, !["same-origin", "none"].contains(fetchSite.lowercased()) { return false }
        guard let origin else { return true }
        let lowered = origin.lowercased()
        let scheme: String
        if lowered.hasPrefix("https://") {
            scheme = "https"
        } else if lowered.hasPrefix("http://") {
            scheme = "http"
        } else {
            return false  // "null" (a sandboxed frame, a file) or anything else
        }
        let originAuthority = String(lowered.dropFirst(scheme.count + 3))
        guard !originAuthority.isEmpty, !originAuthority.contains("/"),
            let siteAuthority = (forwardedHost ?? host)?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased(),
            !siteAuthority.isEmpty
        else { return false }
        return withoutDefaultPort(originAuthority, scheme: scheme) == withoutDefaultPort(siteAuthority, scheme: scheme)
    }

    private static func withoutDefaultPort(_ authority: String, scheme: String) -> String {
        let defaultPort = scheme == "https" ? ":443" : ":80"
        return authority.hasSuffix(defaultPort) ? String(authority.dropLast(defaultPort.count)) : authority
    }
}
