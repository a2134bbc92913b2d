import ConduitContract
import Foundation
import HTTPTypes
import Hummingbird
import Testing

@testable import Web

/// What the feeds and the search page make of the services' answers, without the services.
@Suite struct FeedAndSearchViewTests {
    static func article(title: String = "Dragons", body: String? = "# Fly\n\nThey **fly**.", excerpt: String? = nil) -> ArticleView {
        ArticleView(
            slug: "dragons", title: title, description: "All about <dragons> & more", body: body, excerpt: excerpt, tagList: ["fire", "a&b"],
            createdAt: "2025-11-26T12:25:00.000Z", updatedAt: "2025-11-27T08:00:00.000Z", favorited: false, favoritesCount: 0,
            author: Profile(username: "jake", bio: "", image: "", following: false)
        )
    }

    @Test func aSearchHitsExcerptKeepsOnlyItsMarks() {
        let hostile = "a &lt;b&gt; <mark>dragon</mark> <script>alert(1)</script><img src=x onerror=alert(2)><mark onclick=x()>fly</mark> & <mark>"
        let preview = ArticlePreview(Self.article(excerpt: hostile), signedIn: false)
        #expect(preview.hasExcerpt)
        #expect(preview.excerptHTML.contains("a &lt;b&gt; <mark>dragon</mark> &lt;script&gt;alert(1)&lt;/script&gt;"), "\(preview.excerptHTML)")
        #expect(preview.excerptHTML.contains("<mark>fly</mark>"), "a mark keeps no attribute: \(preview.excerptHTML)")
        #expect(!preview.excerptHTML.contains("<img") && !preview.excerptHTML.contains("onclick"))
        #expect(preview.excerptHTML.hasSuffix("&amp; <mark></mark>"), "an unclosed mark is closed: \(preview.excerptHTML)")
        #expect(!ArticlePreview(Self.article(), signedIn: false).hasExcerpt)
    }

    @Test func aFeedIsAtomWithEachBodyRenderedAsOnItsPageAndOnlyCharactersXMLCanHold() {
        let feed = AtomFeed(
            id: AtomFeed.idPrefix + "feed", title: "Inkwell", path: "/feed.atom", pagePath: "/",
            articles: [Self.article(title: "Dragons \u{1}& \"friends\"\u{FFFE}")]
        )
        let xml = feed.xml(origin: "https://blog.example")
        #expect(xml.hasPrefix(#"<?xml version="1.0" encoding="utf-8"?>"# + "\n" + #"<feed xmlns="http://www.w3.org/2005/Atom">"#))
        #expect(xml.contains("<id>tag:inkwell.local,2025:feed</id>"))
        #expect(xml.contains("<updated>2025-11-27T08:00:00.000Z</updated>"))
        #expect(xml.contains(#"<link rel="self" type="application/atom+xml" href="https://blog.example/feed.atom"/>"#))
        #expect(xml.contains("<id>tag:inkwell.local,2025:article:dragons:2025-11-26T12:25:00.000Z</id>"))
        #expect(xml.contains("<title type=\"text\">Dragons &amp; &quot;friends&quot;</title>"), "control characters dropped")
        #expect(xml.contains(#"<link rel="alternate" type="text/html" href="https://blog.example/article/dragons"/>"#))
        #expect(xml.contains("<author><name>jake</name><uri>https://blog.example/profile/jake</uri></author>"))
        #expect(xml.contains(#"<category term="a&amp;b"/>"#))
        #expect(xml.contains("<summary type=\"text\">All about &lt;dragons&gt; &amp; more</summary>"))
        #expect(xml.contains("<content type=\"html\">" + AtomFeed.text(Markdown.html("# Fly\n\nThey **fly**.")) + "</content>"))
        #expect(xml.contains("&lt;strong&gt;fly&lt;/strong&gt;"))
        #expect(xml.hasSuffix("</feed>\n"))
        let empty = AtomFeed(id: "x", title: "Empty", path: "/feed.atom", pagePath: "/", articles: []).xml(origin: "http://h")
        #expect(empty.contains("<updated>1970-01-01T00:00:00.000Z</updated>") && !empty.contains("<entry>"))
    }

    @Test(arguments: [
        (["X-Forwarded-Proto": "https", "X-Forwarded-Host": "blog.example"], "https://blog.example"),
        (["X-Forwarded-Host": "127.0.0.1:8080, proxy"], "http://127.0.0.1:8080"),
        (["X-Forwarded-Proto": "gopher", "X-Forwarded-Host": "[::1]:80"], "http://[::1]:80"),
        (["X-Forwarded-Host": "evil.example/\"><x"], "http://localhost"),
        ([:], "http://web.internal:8501"),
    ])
    func aFeedsLinksAreOnTheAddressTheReaderUsed(headers: [String: String], origin: String) {
        var fields: HTTPFields = [:]
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        let request = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "web.internal:8501", path: "/feed.atom", headerFields: fields),
            body: RequestBody(buffer: .init())
        )
        #expect(AtomFeed.origin(of: request) == origin)
    }
}
