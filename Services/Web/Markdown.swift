import Foundation
import HTTPKit
import Ink

/// Article bodies: Markdown to HTML that is safe to put in a page. Ink renders the Markdown, with
/// any raw HTML in it shown as text; its output then goes through ``SafeHTML``, which keeps only
/// the elements Markdown makes and only links to http, https and mailto addresses.
enum Markdown {
    /// - Parameter topHeading: the level the body's highest headings get, so that they follow the
    ///   page's own (the article's title is its `h1`).
    static func html(_ markdown: String, topHeading: Int = 2) -> String {
        // Ink's parser holds closures that are not Sendable, so each rendering makes its own.
        let parser = MarkdownParser(modifiers: [
            Modifier(target: .html) { _, markdown in HTMLText.escape(String(markdown)) }
        ])
        // Ink reads only LF line ends (with CRLF, a code block never closes).
        let html = parser.html(from: markdown.replacingOccurrences(of: "\r\n", with: "\n"))
        let highest = (1...6).first { html.contains("<h\($0)>") } ?? topHeading
        return SafeHTML.sanitize(html, headingShift: topHeading - highest)
    }
}

/// An allowlist of HTML: rewrites markup into the elements and attributes Markdown produces, each
/// attribute checked and escaped; anything else, and any `<` that does not open such an element,
/// becomes text. Ink does not escape what it copies into attributes (a link's address, an image's
/// alt text), nor the text of an `&…;` it takes for an entity, so its output is not trusted.
/// Works on bytes: every character that matters in HTML is ASCII.
enum SafeHTML {
    static let elements: Set<String> = [
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "s", "del", "code", "pre",
        "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    ]
    private static let voidElements: Set<String> = ["br", "hr", "img"]
    /// Schemes a link may have; an image may only be http or https.
    static let linkSchemes = ["http://", "https://", "mailto:"]
    static let imageSchemes = ["http://", "https://"]

    /// - Parameters:
    ///   - headingShift: how many levels headings move down (an `h1` becomes an `h3` with 2), at most to `h6`.
    ///   - allowed: the elements kept (without attributes but those checked below); by default those Markdown makes.
    static func sanitize(_ html: String, headingShift: Int = 0, allowing allowed: Set<String> = elements) -> String {
        let input = Array(html.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count + input.count / 8)
        // Elements opened and not closed yet; "a!" is a link whose address was refused (its text stays).
        var open: [String] = []
        var index = 0
        while index < input.count {
            let byte = input[index]
            switch byte {
            case UInt8(ascii: "<"):
                if var tag = Tag.parse(input, at: index), allowed.contains(tag.name) {
                    if headingShift != 0, tag.name.count == 2, tag.name.hasPrefix("h"), let level = Int(tag.name.dropFirst()) {
                        tag.name = "h\(min(6, max(1, level + headingShift)))"
                    }
                    emit(tag, into: &output, open: &open)
                    index = tag.end
                    continue
                }
                output += Array("&lt;".utf8)
            case UInt8(ascii: ">"):
                output += Array("&gt;".utf8)
            case UInt8(ascii: "\""):
                output += Array("&quot;".utf8)
            case UInt8(ascii: "&"):
                output += Array((isCharacterReference(input, at: index) ? "&" : "&amp;").utf8)
            case 0:
                break
            default:
                output.append(byte)
            }
            index += 1
        }
        for name in open.reversed() where name != "a!" { output += Array("</\(name)>".utf8) }
        return String(decoding: output, as: UTF8.self)
    }

    private static func emit(_ tag: Tag, into output: inout [UInt8], open: inout [String]) {
        if tag.isClosing {
            // A closing tag closes its element and any left open inside it; one that closes nothing is dropped.
            guard let position = open.lastIndex(where: { $0 == tag.name || (tag.name == "a" && $0 == "a!") }) else { return }
            for name in open[position...].reversed() where name != "a!" { output += Array("</\(name)>".utf8) }
            open.removeSubrange(position...)
            return
        }
        var attributes: [(String, String)] = []
        switch tag.name {
        case "a":
            guard let href = tag.attribute("href").flatMap({ url($0, schemes: linkSchemes) }) else {
                open.append("a!")
                return
            }
            attributes = [("href", href), ("rel", "nofollow noopener noreferrer")]
        case "img":
            let alt = tag.attribute("alt") ?? ""
            guard let src = tag.attribute("src").flatMap({ url($0, schemes: imageSchemes) }) else {
                output += Array(HTMLText.escape(alt).utf8)
                return
            }
            attributes = [("src", src), ("alt", alt), ("loading", "lazy")]
        case "code":
            if let language = tag.attribute("class"), language.hasPrefix("language-"), (10...40).contains(language.utf8.count),
                language.utf8.allSatisfy({ isAlphanumeric($0) || "-_+#.".utf8.contains($0) })
            {
                attributes = [("class", language)]
            }
        case "ol":
            if let start = tag.attribute("start"), (1...9).contains(start.utf8.count), start.utf8.allSatisfy({ (48...57).contains($0) }) {
                attributes = [("start", start)]
            }
        case "th", "td":
            if let align = tag.attribute("align"), ["left", "center", "right"].contains(align) {
                attributes = [("align", align)]
            }
        default:
            break
        }
        var text = "<" + tag.name
        for (name, value) in attributes { text += " \(name)=\"\(HTMLText.escape(value))\"" }
        text += ">"
        output += Array(text.utf8)
        if !voidElements.contains(tag.name) { open.append(tag.name) }
    }

    /// The address, when it has one of `schemes` and nothing a browser would read differently
    /// (whitespace or control characters); nil otherwise.
    static func url(_ raw: String, schemes: [String]) -> String? {
        let address = raw.trimmingCharacters(in: .whitespaces)
        guard address.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else { return nil }
        let lowered = address.lowercased()
        guard schemes.contains(where: { lowered.hasPrefix($0) && lowered.count > $0.count }) else { return nil }
        return address
    }

    /// `&name;`, `&#123;` or `&#x1F;`: a character reference, which is safe to keep as it is.
    private static func isCharacterReference(_ input: [UInt8], at start: Int) -> Bool {
        var index = start + 1
        var digits = 0
        if index < input.count, input[index] == UInt8(ascii: "#") {
            index += 1
            let hex = index < input.count && (input[index] | 0x20) == UInt8(ascii: "x")
            if hex { index += 1 }
            while index < input.count, digits < 8, hex ? isHexDigit(input[index]) : (48...57).contains(input[index]) {
                digits += 1
                index += 1
            }
            return digits > 0 && digits <= (hex ? 6 : 7) && index < input.count && input[index] == UInt8(ascii: ";")
        }
        while index < input.count, digits < 32, isAlphanumeric(input[index]) {
            digits += 1
            index += 1
        }
        return digits > 1 && isLetter(input[start + 1]) && index < input.count && input[index] == UInt8(ascii: ";")
    }

    static func isLetter(_ byte: UInt8) -> Bool { (65...90).contains(byte) || (97...122).contains(byte) }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isLetter(byte) || (48...57).contains(byte) }
    static func isHexDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte) }
    static func isSpace(_ byte: UInt8) -> Bool { [9, 10, 12, 13, 32].contains(byte) }

    /// A start or end tag as an HTML tokenizer reads it: `<name attr="value" …>` or `</name>`.
    struct Tag {
        var name: String
        var isClosing: Bool
        var attributes: [(name: String, value: String)]
        /// The index after its `>`.
        var end: Int

        func attribute(_ name: String) -> String? {
            attributes.first { $0.name == name }.map { SafeHTML.decodeBasicEntities($0.value) }
        }

        static func parse(_ input: [UInt8], at start: Int) -> Tag? {
            var index = start + 1
            let isClosing = index < input.count && input[index] == UInt8(ascii: "/")
            if isClosing { index += 1 }
            let nameStart = index
            guard index < input.count, isLetter(input[index]) else { return nil }
            while index < input.count, isAlphanumeric(input[index]) { index += 1 }
            let name = String(decoding: input[nameStart..<index], as: UTF8.self).lowercased()
            var attributes: [(String, String)] = []
            while index < input.count {
                let byte = input[index]
                if byte == UInt8(ascii: ">") {
                    return Tag(name: name, isClosing: isClosing, attributes: attributes, end: index + 1)
                }
                if isSpace(byte) || byte == UInt8(ascii: "/") {
                    index += 1
                    continue
                }
                let attributeStart = index
                while index < input.count, !isSpace(input[index]), !"/>=".utf8.contains(input[index]) { index += 1 }
                let attributeName = String(decoding: input[attributeStart..<index], as: UTF8.self).lowercased()
                while index < input.count, isSpace(input[index]) { index += 1 }
                guard index < input.count, input[index] == UInt8(ascii: "=") else {
                    attributes.append((attributeName, ""))
                    continue
                }
                index += 1
                while index < input.count, isSpace(input[index]) { index += 1 }
                guard index < input.count else { return nil }
                let value: ArraySlice<UInt8>
                if input[index] == UInt8(ascii: "\"") || input[index] == UInt8(ascii: "'") {
                    let quote = input[index]
                    guard let close = input[(index + 1)...].firstIndex(of: quote) else { return nil }
                    value = input[(index + 1)..<close]
                    index = close + 1
                } else {
                    let valueStart = index
                    while index < input.count, !isSpace(input[index]), input[index] != UInt8(ascii: ">") { index += 1 }
                    value = input[valueStart..<index]
                }
                attributes.append((attributeName, String(decoding: value, as: UTF8.self)))
            }
            return nil
        }
    }

    /// Ink copies a link's address as written; the few references one may write in it are read here.
    static func decodeBasicEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
