import Foundation
import HTTPKit
import JWTKit
import Settings
import Testing

@testable import Auth

/// The rules for users' fields and the reading of keys, without a database.
@Suite struct UserValidationTests {
    func errors(_ check: (inout FieldErrors) -> Void) -> [String: [String]] {
        var errors = FieldErrors()
        check(&errors)
        return errors.errors
    }

    @Test(arguments: [
        ("jake", nil),
        ("j.a-k_e9", nil),
        ("", "can't be blank"),
        ("jake jones", "may contain only letters, digits, '_', '-' and '.'"),
        ("jäke", "may contain only letters, digits, '_', '-' and '.'"),
        (String(repeating: "j", count: 41), "is too long (maximum is 40 characters)"),
    ])
    func usernames(_ username: String, problem: String?) {
        #expect(errors { UserValidation.username(username, into: &$0) } == (problem.map { ["username": [$0]] } ?? [:]))
    }

    @Test(arguments: [
        ("jake@example.com", nil),
        ("jake@localhost", "is invalid"),
        ("@example.com", "is invalid"),
        ("jake@example.com.", "is invalid"),
        ("jake @example.com", "is invalid"),
        ("a@b@example.com", "is invalid"),
        ("a@" + String(repeating: "e", count: 250) + ".com", "is too long (maximum is 254 bytes)"),
    ])
    func emails(_ email: String, problem: String?) {
        #expect(errors { UserValidation.email(email, into: &$0) } == (problem.map { ["email": [$0]] } ?? [:]))
    }

    @Test func passwordsCountBytesBecauseBcryptDoes() {
        #expect(errors { UserValidation.password("12345678", into: &$0) }.isEmpty)
        #expect(errors { UserValidation.password("", into: &$0) } == ["password": ["can't be blank"]])
        #expect(errors { UserValidation.password("1234567", into: &$0) } == ["password": ["is too short (minimum is 8 characters)"]])
        // 36 characters of two bytes each: 72 bytes pass, one more character does not.
        #expect(errors { UserValidation.password(String(repeating: "é", count: 36), into: &$0) }.isEmpty)
        #expect(
            errors { UserValidation.password(String(repeating: "é", count: 37), into: &$0) } == ["password": ["is too long (maximum is 72 bytes)"]])
    }

    @Test func imagesAreEmptyOrHTTPURLs() {
        #expect(errors { UserValidation.image("", into: &$0) }.isEmpty)
        #expect(errors { UserValidation.image("https://example.com/me.png", into: &$0) }.isEmpty)
        #expect(errors { UserValidation.image("javascript:alert(1)", into: &$0) } == ["image": ["must be an http or https URL"]])
        #expect(errors { UserValidation.image("https:///nohost", into: &$0) } == ["image": ["must be an http or https URL"]])
    }

    @Test func previousPublicKeysAreReadOnePEMBlockAfterAnother() {
        let first = ES256PrivateKey().publicKey.pemRepresentation
        let second = ES256PrivateKey().publicKey.pemRepresentation
        let blocks = AuthConfiguration.pemBlocks("\n  \(first)\n\n\(second)  \n")
        #expect(blocks.count == 2)
        #expect(
            blocks.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                == [first, second].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        #expect(blocks.allSatisfy { (try? ES256PublicKey(pem: $0)) != nil })
        #expect(AuthConfiguration.pemBlocks("  \n ").isEmpty)
    }

    @Test func theSettingsOfAuthAreReadWithTheirLimits() throws {
        let pem = ES256PrivateKey().pemRepresentation
        let auth = try AuthConfiguration(environment: EnvironmentReader(["JWT_PRIVATE_KEY": pem, "TOKEN_LIFETIME": "600", "BCRYPT_COST": "4"]))
        #expect(auth.tokenLifetime == .seconds(600))
        #expect(auth.bcryptCost == 4)
        #expect(auth.previousPublicKeyPEMs.isEmpty)
        #expect(throws: ConfigurationError(variable: "BCRYPT_COST", value: "3", expected: "an integer from 4 to 16")) {
            try AuthConfiguration(environment: EnvironmentReader(["JWT_PRIVATE_KEY": pem, "BCRYPT_COST": "3"]))
        }
    }
}
