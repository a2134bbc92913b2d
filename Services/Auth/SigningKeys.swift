import Authentication
import Crypto
import Foundation
import JWTKit

/// The key that signs tokens, the earlier keys whose tokens are still accepted, and the JWKS that
/// publishes all their public halves. A key's `kid` is its RFC 7638 thumbprint, so the same key
/// always has the same id on every replica.
struct SigningKeys: Sendable {
    let currentKID: String
    let collection: JWTKeyCollection
    let kids: Set<String>
    /// `GET /.well-known/jwks.json`'s body.
    let jwks: JWKSDocument

    struct InvalidKey: Error, CustomStringConvertible {
        let variable: String
        let reason: String
        var description: String { "\(variable) is not usable: \(reason)" }
    }

    static func load(_ configuration: AuthConfiguration) async throws -> SigningKeys {
        let signingKey: ES256PrivateKey
        do {
            signingKey = try ES256PrivateKey(pem: configuration.signingKeyPEM)
        } catch {
            throw InvalidKey(variable: "JWT_PRIVATE_KEY", reason: "expected the PEM of an EC P-256 private key (\(error))")
        }
        let previous: [ES256PublicKey]
        do {
            previous = try configuration.previousPublicKeyPEMs.map { try ES256PublicKey(pem: $0) }
        } catch {
            throw InvalidKey(variable: "JWT_PREVIOUS_PUBLIC_KEYS", reason: "expected PEMs of EC P-256 public keys (\(error))")
        }
        let collection = JWTKeyCollection()
        let current = try JSONWebKey(signingKey.publicKey)
        await collection.add(ecdsa: signingKey, kid: JWKIdentifier(string: current.kid))
        var published = [current]
        for key in previous {
            let jwk = try JSONWebKey(key)
            guard jwk.kid != current.kid else { continue }
            await collection.add(ecdsa: key, kid: JWKIdentifier(string: jwk.kid))
            published.append(jwk)
        }
        return SigningKeys(currentKID: current.kid, collection: collection, kids: Set(published.map(\.kid)), jwks: JWKSDocument(keys: published))
    }

    func sign(_ claims: AccessTokenClaims) async throws -> String {
        try await collection.sign(claims, kid: JWKIdentifier(string: currentKID))
    }

    /// Auth checks tokens with its own keys; it never fetches its own JWKS.
    var verifier: TokenVerifier {
        TokenVerifier(keySource: StaticTokenKeys(collection: collection, kids: kids))
    }
}

struct JWKSDocument: Codable, Sendable {
    var keys: [JSONWebKey]
}

/// An EC P-256 public key as RFC 7517 writes it.
struct JSONWebKey: Codable, Sendable {
    var kty = "EC"
    var crv = "P-256"
    var alg = AccessTokenClaims.algorithm
    var use = "sig"
    var kid: String
    var x: String
    var y: String

    init(_ key: ES256PublicKey) throws {
        guard let (x, y) = key.parameters else { throw SigningKeys.InvalidKey(variable: "key", reason: "no curve point") }
        self.x = x
        self.y = y
        // RFC 7638: the SHA-256 of the required members, in lexicographic order, without spaces.
        let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        self.kid = Data(SHA256.hash(data: Data(canonical.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
