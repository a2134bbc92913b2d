import Testing

@testable import Web

@Suite struct CSRFTests {
    let seed = Session.makeSeed()

    @Test func theTokenOfTheSameSeedAndSessionIsValid() {
        let token = CSRF.token(seed: seed, session: "a.b.c")
        #expect(CSRF.isValid(token, seed: seed, session: "a.b.c"))
    }

    @Test func aTokenIsBoundToItsSeedAndSession() {
        let token = CSRF.token(seed: seed, session: "a.b.c")
        #expect(!CSRF.isValid(token, seed: Session.makeSeed(), session: "a.b.c"))
        #expect(!CSRF.isValid(token, seed: seed, session: "a.b.d"))
        #expect(!CSRF.isValid(token, seed: seed, session: nil))
        #expect(!CSRF.isValid(CSRF.token(seed: seed, session: nil), seed: seed, session: "a.b.c"))
    }

    @Test func missingEmptyOrAlteredTokensAreRefused() {
        let token = CSRF.token(seed: seed, session: nil)
        #expect(!CSRF.isValid(nil, seed: seed, session: nil))
        #expect(!CSRF.isValid("", seed: seed, session: nil))
        #expect(!CSRF.isValid(String(token.dropLast()), seed: seed, session: nil))
        #expect(!CSRF.isValid(String(token.dropLast()) + (token.last == "A" ? "B" : "A"), seed: seed, session: nil))
        #expect(!CSRF.isValid(seed, seed: seed, session: nil))
    }

    @Test(
        arguments: [
            ("http://127.0.0.1:8080", nil, nil, "127.0.0.1:8080"),
            ("http://localhost:8080", "same-origin", nil, "localhost:8080"),
            ("http://blog.example", "same-origin", "blog.example", "10.0.0.5:8080"),
            ("https://blog.example", nil, "blog.example:443", "web:8080"),
            ("http://BLOG.example:80", nil, "blog.example", nil),
            (nil, nil, nil, "127.0.0.1:8080"),
            (nil, "same-origin", nil, "127.0.0.1:8080"),
        ] as [(String?, String?, String?, String?)])
    func requestsFromTheSiteItselfPass(origin: String?, fetchSite: String?, forwardedHost: String?, host: String?) {
        #expect(CSRF.isSameOrigin(origin: origin, fetchSite: fetchSite, forwardedHost: forwardedHost, host: host))
    }

    @Test(
        arguments: [
            ("http://evil.example", nil, nil, "127.0.0.1:8080"),
            ("http://127.0.0.1:9999", nil, nil, "127.0.0.1:8080"),
            ("null", nil, nil, "127.0.0.1:8080"),
            ("http://blog.example", nil, "blog.example.evil", "blog.example"),
            ("http://blog.example/", nil, "blog.example", nil),
            ("http://127.0.0.1:8080", "cross-site", nil, "127.0.0.1:8080"),
            (nil, "same-site", nil, "127.0.0.1:8080"),
            ("http://127.0.0.1:8080", nil, nil, nil),
        ] as [(String?, String?, String?, String?)])
    func requestsFromElsewhereAreRefused(origin: String?, fetchSite: String?, forwardedHost: String?, host: String?) {
        #expect(!CSRF.isSameOrigin(origin: origin, fetchSite: fetchSite, forwardedHost: forwardedHost, host: host))
    }
}
