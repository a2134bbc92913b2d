import Basics
import Crypto
import Foundation
import JWTKit

/// Checks access tokens: structure, algorithm (ES256 only, so `none` and HS256 key confusion are
/// refused before any key is used), the key named by `kid`, the signature, the time, issuer and
/// audience claims, and, with a revocation source, that the user has not revoked it since.
///
/// A token that passed is remembered (``acceptedTokens``, by its SHA-256: the tokens themselves are
/// not kept) until it expires, for at most
/// ``acceptedTokenLifetime``: its signature is checked once per replica rather than on every
/// request, where it cost about as much as the rest of a read. A key withdrawn from the key set
/// stops being trusted within that lifetime. Revocations are checked on every request all the same.
public struct TokenVerifier: Sendable {
    let keySource: any TokenKeySource
    let revocations: (any TokenRevocationSource)?
    let acceptedTokens: ExpiringCache<SHA256Digest, AccessTokenClaims>

    static let acceptedTokenLifetime: Duration = .seconds(60)
    /// A few hundred bytes each; more tokens in use than this within a minute are checked again.
    static let acceptedTokenCapacity = 4096

    public init(keySource: any TokenKeySource, revocations: (any TokenRevocationSource)? = nil) {
        self.init(keySource: keySource, revocations: revocations, acceptedTokens: ExpiringCache(capacity: Self.acceptedTokenCapacity))
    }

    private init(
        keySource: any TokenKeySource, revocations: (any TokenRevocationSource)?, acceptedTokens: ExpiringCache<SHA256Digest, AccessTokenClaims>
    ) {
        self.keySource = keySource
        self.revocations = revocations
        self.acceptedTokens = acceptedTokens
    }

    /// The same checks, and the revocations of `source`.
    public func checkingRevocations(_ source: any TokenRevocationSource) -> TokenVerifier {
        TokenVerifier(keySource: keySource, revocations: source, acceptedTokens: acceptedTokens)
    }

    /// The token's claims; throws ``TokenRejection`` for a token that is not acceptable, or a 503
    /// ``ConduitError`` when the keys to check it cannot be had now.
    public func verify(_ token: String) async throws -> AccessTokenClaims {
        let claims: AccessTokenClaims
        let digest = SHA256.hash(data: Data(token.utf8))
        if let accepted = acceptedTokens.value(for: digest) {
            claims = accepted
        } else {
            claims = try await verifySignatureAndClaims(of: token)
            let lifetime = min(Self.acceptedTokenLifetime, .seconds(claims.exp.value.timeIntervalSinceNow))
            acceptedTokens.store(claims, for: digest, until: .now + lifetime)
        }
        if let revocations, let userID = claims.userID, let validAfter = try await revocations.tokensValidAfter(userID: userID),
            claims.iat.value < validAfter.addingTimeInterval(-Self.revocationTolerance)
        {
            throw TokenRejection.revoked
        }
        return claims
    }

    private func verifySignatureAndClaims(of token: String) async throws -> AccessTokenClaims {
        let header = try Self.header(of: token)
        guard header.alg == AccessTokenClaims.algorithm else { throw TokenRejection.algorithmNotAccepted(header.alg ?? "(none)") }
        guard let kid = header.kid, !kid.isEmpty else { throw TokenRejection.malformed("it names no key (kid)") }
        return try await Self.verify(token, with: try await keySource.keys(for: kid))
    }

    /// `iat` travels as seconds in a double, the revocation time in PostgreSQL's microseconds:
    /// a token issued within this much before a revocation is taken as issued after it.
    static let revocationTolerance: TimeInterval = 0.001

    private static func verify(_ token: String, with keys: JWTKeyCollection) async throws -> AccessTokenClaims {
        do {
            return try await keys.verify(token, as: AccessTokenClaims.self)
        } catch let rejection as TokenRejection {
            throw rejection
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw TokenRejection.badSignature
        } catch let error as JWTError {
            throw TokenRejection.malformed(error.reason ?? "\(error.errorType)")
        } catch is DecodingError {
            throw TokenRejection.malformed("its claims are not Inkwell's")
        } catch {
            // CryptoKit's own errors, such as a signature of the wrong length.
            throw TokenRejection.badSignature
        }
    }

    struct Header: Decodable {
        var alg: String?
        var kid: String?
    }

    static func header(of token: String) throws -> Header {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { throw TokenRejection.malformed("expected three dot-separated parts") }
        guard let data = Data(base64URLEncoded: parts[0]), let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw TokenRejection.malformed("its header is not base64url-encoded JSON")
        }
        return header
    }
}
