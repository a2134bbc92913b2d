import Basics
import ConduitContract
import Foundation
import HTTPKit
import HTTPTypes
import Hummingbird

/// An Atom feed (RFC 4287) of articles, written as XML: each entry with its body as HTML,
/// rendered and sanitized as the article's page renders it (``Markdown``).
struct AtomFeed: Sendable {
    static let contentType = "application/atom+xml; charset=utf-8"
    /// The authority of the feeds' `tag:` URIs (RFC 4151): ids that do not change with the address
    /// the site is reached at.
    static let idPrefix = "tag:inkwell.local,2025:"

    /// Stable for as long as what the feed lists is the same (a `tag:` URI).
    let id: String
    let title: String
    /// The feed's own path and that of the page that lists the same articles.
    let path: String
    let pagePath: String
    let articles: [ArticleView]

    /// The document, its links absolute on `origin` (`https://example.com`).
    func xml(origin: String) -> String {
        // An empty feed was never changed: the epoch keeps its ETag the same.
        let updated = articles.map(\.updatedAt).max() ?? "1970-01-01T00:00:00.000Z"
        var xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
            <id>\(Self.text(id))</id>
            <title type="text">\(Self.text(title))</title>
            <updated>\(Self.text(updated))</updated>
            <link rel="self" type="application/atom+xml" href="\(Self.text(origin + path))"/>
            <link rel="alternate" type="text/html" href="\(Self.text(origin + pagePath))"/>
            <generator>Inkwell</generator>

            """
        for article in articles {
            xml += entry(article, origin: origin)
        }
        return xml + "</feed>\n"
    }

    private func entry(_ article: ArticleView, origin: String) -> String {
        var entry = """
            <entry>
            <id>\(Self.text(Self.entryID(article)))</id>
            <title type="text">\(Self.text(article.title))</title>
            <link rel="alternate" type="text/html" href="\(Self.text(origin + Paths.article(article.slug)))"/>
            <published>\(Self.text(article.createdAt))</published>
            <updated>\(Self.text(article.updatedAt))</updated>
            <author><name>\(Self.text(article.author.username))</name><uri>\(Self.text(origin + Paths.profile(article.author.username)))</uri></author>

            """
        for tag in article.tagList {
            entry += "<category term=\"\(Self.text(tag))\"/>\n"
        }
        entry += """
            <summary type="text">\(Self.text(article.description))</summary>
            <content type="html">\(Self.text(Markdown.html(article.body ?? "")))</content>
            </entry>

            """
        return entry
    }

    /// An entry's id: the article's slug with the time it was written, which no other article will
    /// have (a slug given up by a renamed or deleted article may be taken again). A new title gives
    /// an article a new slug, and so a new address and a new entry.
    static func entryID(_ article: ArticleView) -> String {
        idPrefix + "article:" + article.slug.urlComponentEncoded + ":" + article.createdAt
    }

    /// Text for an element or a quoted attribute: escaped, and without the characters XML 1.0 cannot
    /// hold at all (most control characters, which the services accept in a text).
    static func text(_ value: String) -> String {
        var allowed = String.UnicodeScalarView()
        for scalar in value.unicodeScalars where isXMLCharacter(scalar) { allowed.append(scalar) }
        return HTMLText.escape(String(allowed))
    }

    private static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// The address the visitor reached the site at: the gateway's `X-Forwarded-Proto` and
    /// `X-Forwarded-Host` (the browser's `Host`), or this request's own `Host`. A host that is not
    /// one (any character but letters, digits, `.`, `-`, `:` and brackets) gives `localhost`.
    static func origin(of request: Request) -> String {
        let scheme =
            request.headers[.xForwardedProto]?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased() == "https"
            ? "https" : "http"
        let host =
            (request.headers[.xForwardedHost] ?? request.head.authority)?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces) ?? ""
        let isHost =
            !host.isEmpty && host.utf8.count <= 255
            && host.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-:[]".unicodeScalars.contains($0))
            }
        return "\(scheme)://\(isHost ? host : "localhost")"
    }
}

extension HTTPField.Name {
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!
}
