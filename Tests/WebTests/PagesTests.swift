import AsyncHTTPClient
import Foundation
import HTTPKit
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Settings
import TestSupport
import Testing

@testable import Web

/// The web service's own behaviour, through its router: headers, the stylesheet, the CSRF gate and
/// the pages it shows when the services it calls cannot be reached (each is given a port nothing
/// listens on). What needs the services is tested in a browser against the whole stack.
@Suite struct PagesTests {
    func withApp(_ setup: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var closed: [String: String] = [:]
        for name in ["AUTH_API_URL", "POSTS_API_URL", "COMMENTS_API_URL", "NOTIFIER_API_URL", "ANALYTICS_API_URL"] {
            closed[name] = "http://127.0.0.1:\(try await freePort())"
        }
        closed["API_DEADLINE"] = "3"
        let configuration = try testConfiguration(serviceName: "web").http
        let web = try WebConfiguration(environment: EnvironmentReader(closed))
        try await buildApplication(configuration, web).test(setup, body)
    }

    /// The seed cookie and the CSRF token of a fresh visit to the sign-in page.
    func formCredentials(_ client: any TestClientProtocol) async throws -> (cookie: String, token: String) {
        try await client.execute(uri: "/login", method: .get) { response in
            #expect(response.status == .ok)
            let setCookie = try #require(response.headers[.setCookie])
            let cookie = String(setCookie.prefix { $0 != ";" })
            #expect(cookie.hasPrefix("inkwell_csrf="))
            let html = String(buffer: response.body)
            let match = try #require(html.firstMatch(of: /name="_csrf" value="([^"]+)"/))
            return (cookie, String(match.1))
        }
    }

    @Test func pagesForbidScriptsAndAreNotCached() async throws {
        try await withApp { client in
            try await client.execute(uri: "/login", method: .get) { response in
                let policy = try #require(response.headers[.contentSecurityPolicy])
                #expect(policy.contains("default-src 'none'"))
                #expect(!policy.contains("script-src"))
                #expect(!policy.contains("unsafe"))
                #expect(policy.contains("form-action 'self'"))
                #expect(policy.contains("frame-ancestors 'none'"))
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.headers[.cacheControl] == "no-store")
                let html = String(buffer: response.body)
                #expect(html.contains(#"<html lang="en">"#))
                #expect(html.contains("<title>Sign in · Inkwell</title>"))
                #expect(html.contains(#"<label for="field-email">Email</label>"#))
                #expect(!html.contains("<script"))
            }
        }
    }

    @Test func theStylesheetIsFingerprintedAndCachedForAYear() async throws {
        try await withApp { client in
            let html = try await client.execute(uri: "/login", method: .get) { String(buffer: $0.body) }
            let path = String(try #require(html.firstMatch(of: /href="(\/assets\/style-[0-9a-f]{16}\.css)"/)).1)
            try await client.execute(uri: path, method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/css; charset=utf-8")
                #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(String(buffer: response.body).contains(":focus-visible"))
            }
            try await client.execute(uri: "/assets/style-0000000000000000.css", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func aServiceThatIsDownGivesAPageThatSaysSo() async throws {
        try await withApp { client in
            for path in ["/", "/article/some-article", "/profile/jake", "/?tag=dragons&page=2"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .serviceUnavailable, "\(path)")
                    let html = String(buffer: response.body)
                    #expect(html.contains("<h1>Temporarily unavailable</h1>"), "\(path)")
                    #expect(html.contains("service is unavailable"), "\(path)")
                    #expect(response.headers[.retryAfter] == "5")
                }
            }
        }
    }

    @Test func aFormWithoutItsTokenIsRefusedAndDoesNothing() async throws {
        try await withApp { client in
            let (cookie, _) = try await formCredentials(client)
            try await client.execute(
                uri: "/login", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "email=a%40b.example&password=secretsecret")
            ) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("This form could not be accepted"))
            }
        }
    }

    @Test func aFormWithAnotherVisitorsTokenIsRefused() async throws {
        try await withApp { client in
            let (_, token) = try await formCredentials(client)
            let (otherCookie, _) = try await formCredentials(client)
            try await client.execute(
                uri: "/logout", method: .post, headers: [.cookie: otherCookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(token)")
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.setCookie] == nil)
            }
        }
    }

    @Test func aFormFromAnotherOriginIsRefused() async throws {
        try await withApp { client in
            let (cookie, token) = try await formCredentials(client)
            for (name, value) in [("Origin", "http://evil.example"), ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Site", "same-site")] {
                try await client.execute(
                    uri: "/logout", method: .post,
                    headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded", HTTPField.Name(name)!: value],
                    body: ByteBuffer(string: "_csrf=\(token)")
                ) { response in
                    #expect(response.status == .forbidden, "\(name): \(value)")
                }
            }
        }
    }

    @Test func aFormWithItsTokenFromTheSiteIsAccepted() async throws {
        try await withApp { client in
            let (cookie, token) = try await formCredentials(client)
            try await client.execute(
                uri: "/logout", method: .post,
                headers: [
                    .cookie: cookie, .contentType: "application/x-www-form-urlencoded",
                    .origin: "http://localhost", HTTPField.Name("Sec-Fetch-Site")!: "same-origin",
                ],
                body: ByteBuffer(string: "_csrf=\(token)")
            ) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/")
                #expect(response.headers[.setCookie]?.hasPrefix("inkwell_session=; ") == true)
            }
            // Accepted, the sign-in form reaches auth, which is down: a 503 page, not a 500.
            try await client.execute(
                uri: "/login", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(token)&email=a%40b.example&password=secretsecret")
            ) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("auth service is unavailable"))
            }
        }
    }

    @Test func pagesForSignedInUsersSendVisitorsToSignIn() async throws {
        try await withApp { client in
            for path in ["/editor", "/settings", "/notifications", "/stats", "/?feed=following"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .seeOther, "\(path)")
                    #expect(response.headers[.location] == "/login", "\(path)")
                }
            }
        }
    }

    @Test func theStatsPageSaysTheNumbersAreUnavailableWhenAnalyticsIsDown() async throws {
        try await withApp { client in
            let token = try await TokenFactory().validToken(username: "writer")
            try await client.execute(uri: "/stats", method: .get, headers: [.cookie: "inkwell_session=\(token)"]) { response in
                #expect(response.status == .serviceUnavailable)
                let html = String(buffer: response.body)
                #expect(html.contains("<title>Your stats · Inkwell</title>"))
                #expect(html.contains("Your numbers are unavailable right now"))
                #expect(html.contains(#"<a href="/stats" aria-current="page">Stats</a>"#))
                #expect(!html.contains("<svg"))
            }
            for days in ["0", "91", "x"] {
                try await client.execute(uri: "/stats?days=\(days)", method: .get, headers: [.cookie: "inkwell_session=\(token)"]) { response in
                    #expect(response.status == .badRequest, "days=\(days)")
                }
            }
        }
    }

    @Test func chartsAreSVGWithATitleADescriptionAndEveryDay() throws {
        let dates = (1...7).map { "2025-03-0\($0)" }
        let chart = LineChart(
            id: "c", title: "Reads <per> day", dates: dates,
            series: [
                .init(name: "Reads", values: [0, 3, 1, 0, 7, 2, 0], color: "#000000", dashes: nil),
                .init(name: "Favorites", values: [0, 0, -1, 1, 0, 0, 2], color: "#111111", dashes: "2 3"),
            ])
        let svg = chart.svg
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains(#"role="img" aria-labelledby="c-title c-desc""#))
        #expect(svg.contains(#"<title id="c-title">Reads &lt;per&gt; day</title>"#))
        #expect(svg.contains("Reads: 13 in total, at most 7 in a day (2025-03-05)."))
        #expect(svg.contains("Favorites: 2 in total, at most 2 in a day (2025-03-07)."))
        #expect(svg.components(separatedBy: "<polyline").count == 3)
        #expect(svg.components(separatedBy: "<circle").count == 15)
        #expect(svg.contains(">2025-03-01</text>") && svg.contains(">2025-03-07</text>"))
        #expect(svg.contains(">-1</text>"))
        #expect(svg.contains(">10</text>"))
        #expect(!svg.contains("<script"))
        #expect(LineChart.roundedUp(7) == 10 && LineChart.roundedUp(10) == 10 && LineChart.roundedUp(11) == 20 && LineChart.roundedUp(201) == 500)
    }

    @Test func unknownPathsAndPagesAre404Pages() async throws {
        try await withApp { client in
            for path in ["/nothing", "/?page=0", "/?page=abc", "/?page=100001", "/article/x/comments/abc/delete"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .notFound || response.status == .methodNotAllowed, "\(path)")
                    #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                }
            }
        }
    }

    /// A body sent without a length is read only up to the limit: a 413 page, in the site's layout.
    @Test func aStreamedFormOverTheLimitIsATooLargePage() async throws {
        try await withApp(.live) { client in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(try #require(client.port))/login")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let chunks = AsyncStream<ByteBuffer> { continuation in
                for _ in 0..<16 { continuation.yield(ByteBuffer(repeating: UInt8(ascii: "a"), count: 1024)) }
                continuation.finish()
            }
            request.body = .stream(chunks, length: .unknown)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            #expect(response.status.code == 413)
            #expect(response.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
            let html = String(buffer: try await response.body.collect(upTo: 1 << 20))
            #expect(html.contains("<h1>Too large</h1>"), "\(html.prefix(500))")
        }
    }

    @Test func healthAnswersWithoutTheServices() async throws {
        try await withApp { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }
}

/// What the templates make of values (rendered without a server).
@Suite struct TemplateTests {
    @Test func aTextareaKeepsItsValueExactly() throws {
        let body = "## Heading\n\n    indented code\n<b>&amp;</b>\n"
        let view = EditorController.EditorView(
            heading: "Edit article", action: "/editor/x", submitLabel: "Save", fields: [FieldView("body", label: "Article", value: body, rows: 8)],
            fixedTags: [], hasFixedTags: false, formErrors: [], hasFormErrors: false
        )
        let page = PageView(
            title: "Edit", stylesheet: "/s.css", csrf: "t", returnTo: "/", viewer: nil, isSignedIn: false, nav: Navigation(nil), search: "",
            feeds: [],
            content: view
        )
        let html = try Templates().render(page, "editor")
        let escaped = "## Heading\n\n    indented code\n&lt;b&gt;&amp;amp;&lt;/b&gt;\n"
        #expect(html.contains(">\n\(escaped)</textarea>"), "\(html)")
    }
}
