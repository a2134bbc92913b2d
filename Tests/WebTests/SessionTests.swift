import Foundation
import Hummingbird
import Testing

@testable import Web

@Suite struct SessionTests {
    static func token(username: String = "jake", expires: Date) -> String {
        let payload = #"{"sub":"1","username":"\#(username)","exp":\#(Int(expires.timeIntervalSince1970))}"#
        return "eyJhbGciOiJFUzI1NiJ9." + Data(payload.utf8).base64URLEncoded + ".c2lnbmF0dXJl"
    }

    /// The attributes of a Set-Cookie value, by lowercased name ("" for flags).
    static func attributes(_ cookie: Cookie) -> (name: String, value: String, attributes: [String: String]) {
        let parts = cookie.description.components(separatedBy: "; ")
        let pair = parts[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var attributes: [String: String] = [:]
        for part in parts.dropFirst() {
            let item = part.split(separator: "=", maxSplits: 1).map(String.init)
            attributes[item[0].lowercased()] = item.count > 1 ? item[1] : ""
        }
        return (pair[0], pair.count > 1 ? pair[1] : "", attributes)
    }

    @Test func theSessionCookieHoldsTheTokenAndExpiresWithIt() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let expires = now.addingTimeInterval(86_400)
        let token = Self.token(expires: expires)
        let cookie = Self.attributes(SessionCookies(secure: false).session(token: token, expires: expires, now: now))
        #expect(cookie.name == "inkwell_session")
        #expect(cookie.value == token)
        #expect(cookie.attributes["httponly"] == "")
        #expect(cookie.attributes["samesite"] == "Lax")
        #expect(cookie.attributes["path"] == "/")
        #expect(cookie.attributes["max-age"] == "86400")
        #expect(cookie.attributes["expires"] == "Sat, 16 Jan 2027 08:00:00 GMT")
        #expect(cookie.attributes["secure"] == nil)
        #expect(cookie.attributes["domain"] == nil)
    }

    @Test func overHTTPSTheCookiesAreSecureAndPinnedToTheHost() {
        let cookies = SessionCookies(secure: true)
        let session = Self.attributes(cookies.session(token: "t", expires: Date().addingTimeInterval(60)))
        let seed = Self.attributes(cookies.seed(Session.makeSeed()))
        for cookie in [session, seed] {
            #expect(cookie.name.hasPrefix("__Host-"))
            #expect(cookie.attributes["secure"] == "")
            #expect(cookie.attributes["path"] == "/")
            #expect(cookie.attributes["httponly"] == "")
            #expect(cookie.attributes["samesite"] == "Lax")
        }
    }

    @Test func signingOutReplacesTheCookieWithAnExpiredEmptyOne() {
        let cookie = Self.attributes(SessionCookies(secure: false).clearedSession())
        #expect(cookie.name == "inkwell_session")
        #expect(cookie.value == "")
        #expect(cookie.attributes["max-age"] == "0")
        #expect(cookie.attributes["path"] == "/")
    }

    @Test func theSeedCookieLastsTheBrowserSession() {
        let cookie = Self.attributes(SessionCookies(secure: false).seed("s"))
        #expect(cookie.name == "inkwell_csrf")
        #expect(cookie.attributes["max-age"] == nil)
        #expect(cookie.attributes["expires"] == nil)
        #expect(cookie.attributes["httponly"] == "")
        #expect(cookie.attributes["samesite"] == "Lax")
    }

    static func request(cookies: String?) -> Request {
        var fields = HTTPFields()
        if let cookies { fields[.cookie] = cookies }
        return Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/", headerFields: fields),
            body: .init(buffer: ByteBuffer()))
    }

    @Test func aTokenThatHasNotExpiredSignsTheVisitorIn() {
        let token = Self.token(username: "jake", expires: Date().addingTimeInterval(600))
        let seed = Session.makeSeed()
        let session = Session(
            request: Self.request(cookies: "inkwell_session=\(token); inkwell_csrf=\(seed)"), cookies: SessionCookies(secure: false))
        #expect(session.token == token)
        #expect(session.username == "jake")
        #expect(session.seed == seed)
        #expect(!session.seedIsNew)
        #expect(!session.hasStaleCookie)
    }

    @Test func anExpiredOrMalformedTokenDoesNot() {
        for value in [Self.token(expires: Date().addingTimeInterval(-1)), "not-a-token", "a.b.c"] {
            let session = Session(request: Self.request(cookies: "inkwell_session=\(value)"), cookies: SessionCookies(secure: false))
            #expect(session.token == nil)
            #expect(session.username == nil)
            #expect(session.hasStaleCookie)
        }
    }

    @Test func aVisitorWithoutASeedGetsANewOne() {
        let session = Session(request: Self.request(cookies: nil), cookies: SessionCookies(secure: false))
        #expect(session.seedIsNew)
        #expect(session.seed.utf8.count >= 43)
        #expect(Session(request: Self.request(cookies: "inkwell_csrf=short"), cookies: SessionCookies(secure: false)).seedIsNew)
    }
}
