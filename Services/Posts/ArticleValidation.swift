import Foundation
import HTTPKit

/// The rules for articles' fields; each failure names the field, Conduit-style.
enum ArticleValidation {
    static let titleLength = 1...200
    static let descriptionLength = 1...1000
    static let bodyLength = 1...100_000
    static let tagLength = 1...40
    static let maximumTags = 20
    static let searchLength = 1...200

    static func title(_ value: String, into errors: inout FieldErrors) { errors.check("title", value, length: titleLength) }
    static func description(_ value: String, into errors: inout FieldErrors) { errors.check("description", value, length: descriptionLength) }
    static func body(_ value: String, into errors: inout FieldErrors) { errors.check("body", value, length: bodyLength) }

    /// A search (`?search=`) as given, once it is known to hold a word: not blank, not too long,
    /// with a letter or a digit (punctuation and search operators alone match nothing).
    static func search(_ value: String) throws(ConduitError) -> String {
        var errors = FieldErrors()
        if errors.check("search", value, length: searchLength), !value.contains(where: { $0.isLetter || $0.isNumber }) {
            errors.add("search", "must contain a word to search for")
        }
        try errors.throwIfAny()
        return value
    }

    /// Trimmed, without duplicates, sorted alphabetically.
    static func tags(_ values: [String], into errors: inout FieldErrors) -> [String] {
        let tags = Set(values.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }).sorted()
        if tags.count > maximumTags { errors.add("tagList", "has too many tags (maximum is \(maximumTags))") }
        if tags.contains(where: \.isEmpty) { errors.add("tagList", "can't contain a blank tag") }
        let tagBytes = FieldErrors.defaultMaximumBytes(for: tagLength)
        if tags.contains(where: { $0.count > tagLength.upperBound || $0.utf8.count > tagBytes }) {
            errors.add("tagList", "can't contain a tag longer than \(tagLength.upperBound) characters (\(tagBytes) bytes)")
        }
        return tags
    }
}
