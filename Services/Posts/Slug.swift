import Foundation

/// URL-safe slugs from titles: "How to train your Dragon!" → "how-to-train-your-dragon".
enum Slug {
    static let maximumLength = 80

    static func make(from title: String) -> String {
        let folded = title.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        var slug = ""
        var pendingDash = false
        for scalar in folded.lowercased().unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if pendingDash && !slug.isEmpty { slug.append("-") }
                slug.unicodeScalars.append(scalar)
                pendingDash = false
            } else {
                pendingDash = true
            }
            if slug.count >= maximumLength { break }
        }
        return slug.isEmpty ? "article" : slug
    }

    /// `base` with a short random suffix, for a title whose slug is taken.
    static func withSuffix(_ base: String) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return base + "-" + String((0..<6).map { _ in alphabet.randomElement()! })
    }
}
