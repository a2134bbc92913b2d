import Foundation
import Testing

@testable import Web

/// Article bodies: Markdown renders, and no input gets markup other than Markdown's own into the page.
@Suite struct MarkdownTests {
    @Test func markdownRenders() {
        let html = Markdown.html(
            "# Dragons\n\nThey **fly** and *breathe* `fire`.\n\n- one\n- two\n\n> wise\n\n```swift\nlet x = 1 < 2\n```\n\n[docs](https://example.com/a?b=1&c=2)"
        )
        #expect(html.contains("<h2>Dragons</h2>"))
        #expect(html.contains("<strong>fly</strong>"))
        #expect(html.contains("<em>breathe</em>"))
        #expect(html.contains("<code>fire</code>"))
        #expect(html.contains("<ul><li>one</li><li>two</li></ul>"))
        #expect(html.contains("<blockquote>"))
        #expect(html.contains(#"<pre><code class="language-swift">let x = 1 &lt; 2"#))
        #expect(html.contains(#"<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">docs</a>"#))
    }

    @Test func windowsLineEndsAreRead() {
        #expect(Markdown.html("```\r\ncode\r\n```\r\n\r\nafter") == "<pre><code>code\n</code></pre><p>after</p>")
    }

    @Test func rawHTMLIsShownAsText() {
        let html = Markdown.html("Hello <b>bold</b> and <script>alert(1)</script>\n\n<div onclick=\"x()\">block</div>")
        #expect(html.contains("&lt;b&gt;bold&lt;/b&gt;"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&lt;div onclick=&quot;x()&quot;&gt;block&lt;/div&gt;"))
        #expect(!html.contains("<b>"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<div"))
    }

    @Test(arguments: [
        "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x]( javascript:alert(1))", "[x](java\tscript:alert(1))",
        "[x](javascript&colon;alert(1))", "[x](data:text/html;base64,PHNjcmlwdD4=)", "[x](vbscript:msgbox(1))",
        "[x](//evil.example/)", "[x](/relative/path)", "[x][r]\n\n[r]: javascript:alert(1)", "[x](http:)",
    ])
    func linksOtherThanHTTPAndMailtoLoseTheirAddress(markdown: String) {
        let html = Markdown.html(markdown)
        #expect(!html.contains("<a"), "\(html)")
        #expect(html.contains("x"))
    }

    @Test(arguments: ["[x](http://example.com/)", "[x](https://example.com/)", "[x](mailto:jake@example.com)", "[x](HTTPS://EXAMPLE.COM)"])
    func httpHTTPSAndMailtoLinksStay(markdown: String) {
        #expect(Markdown.html(markdown).contains("<a href="))
    }

    @Test func imagesOnlyFromHTTPAddresses() {
        #expect(
            Markdown.html("![a cat](https://example.com/cat.png)").contains(#"<img src="https://example.com/cat.png" alt="a cat" loading="lazy">"#))
        let refused = Markdown.html("![a cat](javascript:alert(1))")
        #expect(!refused.contains("<img"))
        #expect(refused.contains("a cat"))
    }

    /// Payloads that break out of what Ink copies into attributes, or out of its entity pass-through.
    @Test(arguments: [
        #"[x](http://a.example/" onclick="alert(1))"#,
        #"![x" onerror="alert(1)](http://a.example/i.png)"#,
        #"![x](http://a.example/i.png"onerror="alert(1))"#,
        "&<img src=x onerror=alert(1)>;",
        "&<script>alert(1)</script>;",
        "```x\"onmouseover=\"alert(1)\ncode\n```",
        "<svg onload=alert(1)>",
        "<img src=x onerror=alert(1)//",
        "<iframe src=javascript:alert(1)></iframe>",
        "</p></div></main><script>alert(1)</script>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "[<img src=x onerror=alert(1)>](http://a.example)",
        "**<style>*{}</style>**",
        "<<script>script>alert(1)<</script>/script>",
        "<!-- <script>alert(1)</script> -->",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    ])
    func noInputMakesMarkupOutsideTheAllowlist(markdown: String) {
        let html = Markdown.html(markdown)
        #expect(MarkupOracle.violations(in: html).isEmpty, "\(html): \(MarkupOracle.violations(in: html))")
    }

    @Test func characterReferencesStayAndStrayAmpersandsAreEscaped() {
        let html = Markdown.html("Fish &amp; chips &#x3C;tag&#62; & more &bogus")
        #expect(html.contains("Fish &amp; chips &#x3C;tag&#62; &amp; more &amp;bogus"))
    }

    @Test func unclosedAndStrayTagsAreBalancedAndOthersAreText() {
        let html = SafeHTML.sanitize("<p><em>open</p></div></strong><ul><li>x")
        #expect(html == "<p><em>open</em></p>&lt;/div&gt;<ul><li>x</li></ul>")
    }

    @Test func theBodysHeadingsComeBelowThePagesTitle() {
        #expect(Markdown.html("# One\n\n## Two\n\n###### Six") == "<h2>One</h2><h3>Two</h3><h6>Six</h6>")
        #expect(Markdown.html("### Three") == "<h2>Three</h2>")
    }
}

/// An independent reading of HTML: every tag, and whether its element and attributes are among
/// those Markdown may produce, with links only to http, https and mailto.
enum MarkupOracle {
    static let elements: Set<String> = [
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "s", "del", "code", "pre",
        "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    ]
    static let attributes: [String: Set<String>] = [
        "a": ["href", "rel"], "img": ["src", "alt", "loading"], "code": ["class"], "ol": ["start"], "th": ["align"], "td": ["align"],
    ]

    static func violations(in html: String) -> [String] {
        var found: [String] = []
        let tag = try! NSRegularExpression(pattern: #"<(/?)([A-Za-z][A-Za-z0-9]*)([^>]*)>"#)
        let attribute = try! NSRegularExpression(pattern: #"([^\s=/"']+)\s*=\s*"([^"]*)""#)
        for match in tag.matches(in: html, range: NSRange(html.startIndex..., in: html)) {
            let name = String(html[Range(match.range(at: 2), in: html)!]).lowercased()
            guard elements.contains(name) else {
                found.append("element \(name)")
                continue
            }
            let rest = String(html[Range(match.range(at: 3), in: html)!])
            for pair in attribute.matches(in: rest, range: NSRange(rest.startIndex..., in: rest)) {
                let attributeName = String(rest[Range(pair.range(at: 1), in: rest)!]).lowercased()
                let value = String(rest[Range(pair.range(at: 2), in: rest)!])
                if !(attributes[name] ?? []).contains(attributeName) { found.append("attribute \(attributeName) on \(name)") }
                if ["href", "src"].contains(attributeName),
                    !["http://", "https://", "mailto:"].contains(where: { value.lowercased().hasPrefix($0) })
                {
                    found.append("address \(value)")
                }
            }
            // Anything left once the well-formed attributes are taken out is a malformed one.
            let leftover = attribute.stringByReplacingMatches(in: rest, range: NSRange(rest.startIndex..., in: rest), withTemplate: "")
            if !leftover.trimmingCharacters(in: .whitespaces).isEmpty { found.append("malformed attributes \(leftover)") }
        }
        return found
    }
}
