import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// The web pages through the gateway (what they do in a browser is tested in Tests/BrowserTests).
    @Suite struct WebEndToEndTests {
        @Test func thePagesAreServedWithTheirOwnPolicyAndTheAPIKeepsItsOwn() async throws {
            let home = try await request(.GET, Stack.gateway + "/")
            #expect(home.status == 200)
            #expect(home.headers["Content-Type"].first == "text/html; charset=utf-8")
            #expect(home.body.contains("<h1>Inkwell</h1>"))
            let pagePolicy = try home.headers["Content-Security-Policy"].first.unwrap("the page's policy")
            #expect(home.headers["Content-Security-Policy"].count == 1, "the gateway adds no second policy")
            #expect(pagePolicy.contains("style-src 'self'"))
            #expect(!pagePolicy.contains("script-src"), "no script at all")
            #expect(home.headers["Access-Control-Allow-Origin"].isEmpty, "CORS is the API's")
            let api = try await request(.GET, Stack.gateway + "/api/tags")
            #expect(api.headers["Content-Security-Policy"] == ["default-src 'none'; frame-ancestors 'none'"])
            #expect(api.headers["Access-Control-Allow-Origin"] == ["*"])
        }

        @Test func theSignInAndSignUpPagesAreServed() async throws {
            for (path, title) in [("/login", "Sign in"), ("/register", "Sign up")] {
                let page = try await request(.GET, Stack.gateway + path)
                #expect(page.status == 200, "\(path)")
                #expect(page.headers["Content-Type"].first == "text/html; charset=utf-8", "\(path)")
                #expect(page.body.contains(#"<html lang="en">"#), "\(path)")
                #expect(page.body.contains("<title>\(title) · Inkwell</title>"), "\(path)")
            }
        }

        @Test func theStylesheetIsCachedForAYear() async throws {
            let home = try await request(.GET, Stack.gateway + "/login")
            let path = try (home.body.firstMatch(of: /href="(\/assets\/style-[0-9a-f]+\.css)"/)?.1).unwrap("the stylesheet's path")
            let stylesheet = try await request(.GET, Stack.gateway + String(path))
            #expect(stylesheet.status == 200)
            #expect(stylesheet.headers["Cache-Control"] == ["public, max-age=31536000, immutable"])
        }

        @Test(.nativeStackOnly) func everyWebReplicaAnswersThePagesAndNoneShowsItsPrivateRoutes() async throws {
            for (_, url) in Stack.replicaURLs.filter({ $0.service == "web" }) {
                #expect(try await request(.GET, url + "/login").status == 200, "\(url)")
            }
            for path in ["/metrics", "/health/ready", "/internal/x"] {
                let result = try await request(.GET, Stack.gateway + path)
                #expect(result.status == 404, "\(path)")
                #expect(result.conduitErrors != nil, "\(path): answered by the gateway, not by web")
            }
        }
    }
}
