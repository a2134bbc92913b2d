import Foundation
import HTTPKit

/// The rules for users' fields; each failure names the field, Conduit-style.
enum UserValidation {
    static let usernameLength = 1...40
    /// An address is at most 254 bytes (RFC 5321), whatever its characters.
    static let emailLength = 3...254
    /// bcrypt reads at most 72 bytes; a longer password would be silently cut.
    static let passwordBytes = 8...72
    static let bioLength = 0...2000
    static let imageLength = 0...2048

    static func username(_ value: String, into errors: inout FieldErrors) {
        guard errors.check("username", value, length: usernameLength) else { return }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        if !value.unicodeScalars.allSatisfy(allowed.contains) {
            errors.add("username", "may contain only letters, digits, '_', '-' and '.'")
        }
    }

    static func email(_ value: String, into errors: inout FieldErrors) {
        guard errors.check("email", value, length: emailLength, maximumBytes: emailLength.upperBound) else { return }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        let valid =
            parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !value.contains(where: { $0.isWhitespace || $0.isNewline })
        if !valid { errors.add("email", "is invalid") }
    }

    static func password(_ value: String, into errors: inout FieldErrors) {
        if value.isEmpty {
            errors.add("password", "can't be blank")
        } else if value.utf8.count < passwordBytes.lowerBound {
            errors.add("password", "is too short (minimum is \(passwordBytes.lowerBound) characters)")
        } else if value.utf8.count > passwordBytes.upperBound {
            errors.add("password", "is too long (maximum is \(passwordBytes.upperBound) bytes)")
        }
    }

    static func bio(_ value: String, into errors: inout FieldErrors) {
        errors.checkLength("bio", value, bioLength)
    }

    static func image(_ value: String, into errors: inout FieldErrors) {
        guard errors.checkLength("image", value, imageLength, maximumBytes: imageLength.upperBound), !value.isEmpty else { return }
        guard let url = URL(string: value), ["http", "https"].contains(url.scheme?.lowercased()), url.host?.isEmpty == false else {
            errors.add("image", "must be an http or https URL")
            return
        }
    }
}
