import Basics
import Crypto
import Foundation
import Hummingbird

/// The two cookies of the site. The session cookie holds the user's token (a JWT from auth) and
/// expires with it; the seed cookie holds a random value, made on a first visit, from which the
/// forms' CSRF tokens are derived. Both are `HttpOnly`, `SameSite=Lax`, scoped to `/`, and
/// `Secure` with the `__Host-` prefix (which pins them to this host) when the site is served over
/// HTTPS.
struct SessionCookies: Sendable {
    let secure: Bool

    var sessionName: String { secure ? "__Host-inkwell_session" : "inkwell_session" }
    var seedName: String { secure ? "__Host-inkwell_csrf" : "inkwell_csrf" }

    func session(token: String, expires: Date, now: Date = Date()) -> Cookie {
        make(sessionName, token, expires: expires, maxAge: max(0, Int(expires.timeIntervalSince(now))))
    }

    /// Replaces the session cookie with an empty one that has already expired: the browser drops it.
    func clearedSession() -> Cookie {
        make(sessionName, "", expires: Date(timeIntervalSince1970: 0), maxAge: 0)
    }

    /// The seed lives as long as the browser session.
    func seed(_ value: String) -> Cookie {
        make(seedName, value, expires: nil, maxAge: nil)
    }

    private func make(_ name: String, _ value: String, expires: Date?, maxAge: Int?) -> Cookie {
        Cookie(name: name, value: value, expires: expires, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}

/// Who is visiting, from the request's cookies.
struct Session: Sendable {
    /// The token, when the session cookie holds one that has not expired. Whether it is genuine is
    /// for the services to say: each checks it on every call, and a 401 from one signs the visitor out.
    let token: String?
    /// The signed-in user's name, from the token's claims (for the page's navigation only).
    let username: String?
    /// The session cookie as it came, expired or not.
    let cookieToken: String?
    /// The CSRF seed: the seed cookie's, or a new one to be set on the response.
    let seed: String
    let seedIsNew: Bool

    var isSignedIn: Bool { token != nil }
    /// The session cookie is there but holds nothing usable (expired or malformed): it should go.
    var hasStaleCookie: Bool { cookieToken != nil && token == nil }
    /// The forms' CSRF token, bound to the seed and to the session's token.
    var csrfToken: String { CSRF.token(seed: seed, session: token) }

    init(request: Request, cookies: SessionCookies, now: Date = Date()) {
        let cookieToken = request.cookies[cookies.sessionName]?.value.nonEmpty
        let claims = cookieToken.flatMap(TokenClaims.init(token:))
        if let claims, claims.expires > now, let cookieToken {
            self.token = cookieToken
            self.username = claims.username
        } else {
            self.token = nil
            self.username = nil
        }
        self.cookieToken = cookieToken
        if let seed = request.cookies[cookies.seedName]?.value, seed.utf8.count >= 32 {
            self.seed = seed
            self.seedIsNew = false
        } else {
            self.seed = Self.makeSeed()
            self.seedIsNew = true
        }
    }

    static func makeSeed() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64URLEncoded
    }
}

/// What the web service reads from a token without checking it: whose it is and until when.
struct TokenClaims: Sendable, Equatable {
    let username: String
    let expires: Date

    init?(token: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Data(base64URLEncoded: String(parts[1])) else { return nil }
        struct Payload: Decodable {
            let username: String
            let exp: Double
        }
        guard let decoded = try? JSONDecoder().decode(Payload.self, from: payload) else { return nil }
        self.username = decoded.username
        self.expires = Date(timeIntervalSince1970: decoded.exp)
    }
}
