import Authentication
import Crypto
import Foundation
import HTTPKit
import JWTKit

/// Signs tokens the way auth does, and every way an attacker might try instead.
public struct TokenFactory: Sendable {
    public let key = ES256PrivateKey()
    public let kid: String

    public init(kid: String = "key-\(UUID().uuidString.prefix(6))") {
        self.kid = kid
    }

    public func sign(_ claims: AccessTokenClaims, kid: String? = nil) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid ?? self.kid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid ?? self.kid))
    }

    public func validToken(username: String = "jake", userID: UUID = UUID()) async throws -> String {
        try await sign(AccessTokenClaims(userID: userID, username: username, issuedAt: Date(), lifetime: .seconds(3600)))
    }

    public var keySource: StaticTokenKeys {
        get async {
            let keys = JWTKeyCollection()
            await keys.add(ecdsa: key.publicKey, kid: JWKIdentifier(string: kid))
            return StaticTokenKeys(collection: keys, kids: [kid])
        }
    }

    public var jwk: String {
        let (x, y) = key.publicKey.parameters!
        return #"{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"\#(kid)","x":"\#(x)","y":"\#(y)"}"#
    }

    public static func base64URL(_ bytes: some DataProtocol) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A token with the given header and claims, signed with `signature` over its signing input.
    public static func craft(header: String, claims: String, signature: (String) -> String) -> String {
        let input = base64URL(Data(header.utf8)) + "." + base64URL(Data(claims.utf8))
        return input + "." + signature(input)
    }

    public func validClaimsJSON(username: String = "jake", issuer: String = AccessTokenClaims.issuer, audience: String = AccessTokenClaims.audience)
        -> String
    {
        let now = Int(Date().timeIntervalSince1970)
        return
            #"{"iss":"\#(issuer)","aud":"\#(audience)","sub":"\#(UUID().uuidString.lowercased())","username":"\#(username)","iat":\#(now),"exp":\#(now + 3600)}"#
    }

    /// Signs claims given as JSON text with this factory's key, as a forger holding it would.
    public func sign(claimsJSON: String) throws -> String {
        let signer = try P256.Signing.PrivateKey(pemRepresentation: key.pemRepresentation)
        let header = #"{"alg":"ES256","typ":"JWT","kid":"\#(kid)"}"#
        return Self.craft(header: header, claims: claimsJSON) { input in
            Self.base64URL((try? signer.signature(for: Data(input.utf8)).rawRepresentation) ?? Data())
        }
    }
}

extension TokenFactory {
    /// A verifier that knows this factory's key, as the services' JWKS cache would.
    public var verifier: TokenVerifier {
        get async { TokenVerifier(keySource: await keySource) }
    }

    /// A signed-in user: their id, name and a token for them.
    public func user(_ prefix: String = "user") async throws -> AuthenticatedUser {
        let id = UUID()
        let username = "\(prefix)_\(id.uuidString.prefix(8).lowercased())"
        return AuthenticatedUser(id: id, username: username, token: try await validToken(username: username, userID: id))
    }
}
