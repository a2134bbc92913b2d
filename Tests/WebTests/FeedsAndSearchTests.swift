import ConduitContract
import Foundation
import HTTPKit
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Settings
import TestSupport
import Testing

@testable import Auth
@testable import Posts
@testable import Web

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The feeds and the search page, with web calling a real auth and a real posts (each live on a
/// port, on a scratch database of its own).
@Suite(.enabled(if: TestKafka.isAvailable, "needs the test PostgreSQL and broker (scripts/test starts them)"))
struct FeedsAndSearchTests {
    struct Services: Sendable {
        let web: any TestClientProtocol
        let auth: any TestClientProtocol
        let posts: any TestClientProtocol
        let tokens: TokenFactory
    }

    func withServices(_ body: @Sendable (Services) async throws -> Void) async throws {
        let tokens = TokenFactory()
        let authSettings = ["JWT_PRIVATE_KEY": ES256PrivateKey().pemRepresentation, "BCRYPT_COST": "4"]
        try await TestService.run("auth", environment: authSettings, testing: .live) { configuration in
            try await Auth.buildApplication(configuration, try AuthConfiguration(environment: configuration.environment))
        } _: { auth in
            try await TestService.run(TestKafka.uniqueName("posts"), environment: ["MAX_BODY_BYTES": "1048576"], testing: .live) { configuration in
                try Posts.buildApplication(configuration, verifier: await tokens.verifier)
            } _: { posts in
                var urls = [
                    "AUTH_API_URL": "http://127.0.0.1:\(try #require(auth.client.port))",
                    "POSTS_API_URL": "http://127.0.0.1:\(try #require(posts.client.port))",
                ]
                for name in ["COMMENTS_API_URL", "NOTIFIER_API_URL"] { urls[name] = "http://127.0.0.1:\(try await freePort())" }
                let web = try WebConfiguration(environment: EnvironmentReader(urls))
                try await Web.buildApplication(try testConfiguration(serviceName: "web").http, web).test(.router) { client in
                    try await body(Services(web: client, auth: auth.client, posts: posts.client, tokens: tokens))
                }
            }
        }
    }

    /// A user registered with auth (so that their profile exists), with a token that posts trusts.
    func author(_ services: Services, _ prefix: String) async throws -> AuthenticatedUser {
        let username = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let json = #"{"user":{"username":"\#(username)","email":"\#(username)@example.com","password":"correct horse battery"}}"#
        let registered = try await services.auth.send(.post, "/api/users", json: json)
        guard registered.status == .created else { throw TestFailure("registering failed: \(registered.status) \(registered.text)") }
        let id = UUID()
        return AuthenticatedUser(id: id, username: username, token: try await services.tokens.validToken(username: username, userID: id))
    }

    func write(_ services: Services, _ title: String, by author: AuthenticatedUser, body: String = "Plain.", tags: [String] = []) async throws
        -> String
    {
        let article: [String: Any] = ["title": title, "description": "About \(title)", "body": body, "tagList": tags]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: ["article": article]), as: UTF8.self)
        let reply = try await services.posts.send(.post, "/api/articles", as: author, json: json)
        guard reply.status == .created, let slug = try? reply.json(SingleArticleResponse.self).article.slug else {
            throw TestFailure("writing failed: \(reply.status) \(reply.text)")
        }
        return slug
    }

    func get(_ services: Services, _ path: String, headers: HTTPFields = [:]) async throws -> (
        status: HTTPResponse.Status, headers: HTTPFields, body: String
    ) {
        try await services.web.execute(uri: path, method: .get, headers: headers) { ($0.status, $0.headers, String(buffer: $0.body)) }
    }

    /// The entries' ids, in order, once the document is known to be well-formed XML.
    func entryIDs(_ xml: String) throws -> [String] {
        #if canImport(FoundationXML) || canImport(Darwin)
            let parser = XMLParser(data: Data(xml.utf8))
            #expect(parser.parse(), "well-formed: \(String(describing: parser.parserError))")
        #endif
        return xml.matches(of: /<entry>\n<id>([^<]+)<\/id>/).map { String($0.1) }
    }

    @Test func theFeedsListTheNewestTwentyWithTheirBodiesAnswer304WhileNothingChangedAnd404ForNobody() async throws {
        try await withServices { services in
            let ada = try await author(services, "ada")
            let bob = try await author(services, "bob")
            var adas: [String] = []
            for n in 1...21 {
                adas.append(try await write(services, "Ada's note \(n)", by: ada, body: "Note **\(n)** <script>alert(1)</script>", tags: ["notes"]))
            }
            let bobs = try await write(services, "Bob's only", by: bob, tags: ["solo & alone"])

            let blog = try await get(services, "/feed.atom", headers: [HTTPField.Name("X-Forwarded-Host")!: "blog.example"])
            #expect(blog.status == .ok)
            #expect(blog.headers[.contentType] == "application/atom+xml; charset=utf-8")
            let ids = try entryIDs(blog.body)
            #expect(ids.count == FeedController.entries)
            #expect(ids.first?.contains(":article:\(bobs):") == true && ids.last?.contains(":article:\(adas[2]):") == true, "\(ids)")
            #expect(blog.body.contains(#"<link rel="alternate" type="text/html" href="http://blog.example/article/\#(adas[20])"/>"#))
            #expect(blog.body.contains("&lt;p&gt;Note &lt;strong&gt;21&lt;/strong&gt; &amp;lt;script&amp;gt;"), "the body as its page shows it")

            let etag = try #require(blog.headers[.eTag])
            let again = try await get(services, "/feed.atom", headers: [.ifNoneMatch: etag, HTTPField.Name("X-Forwarded-Host")!: "blog.example"])
            #expect(again.status == .notModified && again.body.isEmpty)
            _ = try await write(services, "Ada's last", by: ada)
            let changed = try await get(services, "/feed.atom", headers: [.ifNoneMatch: etag, HTTPField.Name("X-Forwarded-Host")!: "blog.example"])
            #expect(changed.status == .ok && changed.headers[.eTag] != etag)
            #expect(try entryIDs(changed.body).dropFirst() == ids.dropLast(), "ids stay the same")

            let bobsFeed = try await get(services, "/profile/\(bob.username)/feed.atom")
            #expect(try bobsFeed.status == .ok && entryIDs(bobsFeed.body).count == 1)
            #expect(bobsFeed.body.contains("<title type=\"text\">Inkwell: articles by \(bob.username)</title>"))
            #expect(try await get(services, "/profile/nobody_at_all/feed.atom").status == .notFound)

            let tagged = try await get(services, "/feed.atom?tag=solo%20%26%20alone")
            #expect(try tagged.status == .ok && entryIDs(tagged.body).count == 1)
            #expect(try await get(services, "/tag/solo%20%26%20alone/feed.atom").body == tagged.body)
            #expect(try await get(services, "/feed.atom?tag=nothing-has-this").status == .notFound)
            #expect(try await get(services, "/tag/nothing-has-this/feed.atom").status == .notFound)

            // The pages name their feeds.
            #expect(
                try await get(services, "/").body.contains(#"<link rel="alternate" type="application/atom+xml" title="Inkwell" href="/feed.atom">"#))
            #expect(
                try await get(services, "/?tag=notes").body.contains(
                    #"type="application/atom+xml" title="Articles tagged “notes”" href="/feed.atom?tag=notes">"#))
            #expect(try await get(services, "/profile/\(bob.username)").body.contains(#"href="/profile/\#(bob.username)/feed.atom">"#))
        }
    }

    @Test func theSearchPageListsHitsWithMarkedExcerptsAndSaysWhatItCouldNotSearch() async throws {
        try await withServices { services in
            let ada = try await author(services, "searcher")
            let slug = try await write(services, "Walrus tusks", by: ada, body: "The <b>walrus</b> & its tusks.")
            _ = try await write(services, "Unrelated", by: ada)

            let found = try await get(services, "/search?q=walrus")
            #expect(found.status == .ok)
            #expect(found.body.contains(#"<a href="/article/\#(slug)">Walrus tusks</a>"#))
            #expect(found.body.contains("1 article holds “walrus”"))
            let excerpt = try #require(found.body.firstMatch(of: /<p class="excerpt">(.*)<\/p>/)?.1)
            #expect(excerpt.contains("<mark>walrus</mark>") && excerpt.contains("&amp; its tusks") && !excerpt.contains("<b>"), "\(excerpt)")
            #expect(found.body.contains(#"<input id="site-search" type="search" name="q" value="walrus""#), "the words stay in the box")

            // As the search box's form sends it: a space is a +.
            let phrase = try await get(services, "/search?q=%22walrus+tusks%22+-narwhal")
            #expect(phrase.body.contains("1 article holds “&quot;walrus tusks&quot; -narwhal”"), "\(phrase.body)")
            let none = try await get(services, "/search?q=narwhal")
            #expect(none.status == .ok && none.body.contains("No article holds “narwhal”."))
            let blank = try await get(services, "/search?q=")
            #expect(blank.status == .ok && blank.body.contains("Type a few words into the search box"))
            let refused = try await get(services, "/search?q=%22%22%20-")
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body.contains("The search must contain a word to search for"), "\(refused.body)")
            let reflected = try await get(services, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
            #expect(reflected.status == .ok && !reflected.body.contains("<script>"))
        }
    }
}
