import Basics
import Foundation
import JWTKit

/// The claims of an Inkwell access token: who (`sub`, `username`), when (`iat`, `exp`, `nbf`), by
/// whom and for whom (`iss`, `aud`: a token made by another issuer, or for another audience, with
/// a key Inkwell happens to trust is still refused).
public struct AccessTokenClaims: JWTPayload, Equatable {
    public static let issuer = "inkwell-auth"
    public static let audience = "inkwell-api"
    /// Tokens are signed with ES256 only; a token naming any other algorithm is rejected before
    /// its signature is looked at.
    public static let algorithm = "ES256"
    /// Clocks of the machines that sign and check tokens may differ by this much.
    static let clockSkew: TimeInterval = 60

    public var iss: IssuerClaim
    public var aud: AudienceClaim
    public var sub: SubjectClaim
    public var username: String
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim
    public var nbf: NotBeforeClaim?

    public init(userID: UUID, username: String, issuedAt: Date, lifetime: Duration) {
        self.iss = IssuerClaim(value: Self.issuer)
        self.aud = AudienceClaim(value: Self.audience)
        self.sub = SubjectClaim(value: userID.uuidString.lowercased())
        self.username = username
        self.iat = IssuedAtClaim(value: issuedAt)
        self.exp = ExpirationClaim(value: issuedAt.addingTimeInterval(lifetime.seconds))
        self.nbf = nil
    }

    public var userID: UUID? { UUID(uuidString: sub.value) }

    public func verify(using algorithm: some JWTAlgorithm) throws {
        guard iss.value == Self.issuer else { throw TokenRejection.wrongIssuer }
        guard aud.value.contains(Self.audience) else { throw TokenRejection.wrongAudience }
        let now = Date()
        guard exp.value > now else { throw TokenRejection.expired }
        if let nbf, nbf.value > now.addingTimeInterval(Self.clockSkew) { throw TokenRejection.notYetValid }
        guard iat.value <= now.addingTimeInterval(Self.clockSkew) else { throw TokenRejection.notYetValid }
        guard userID != nil else { throw TokenRejection.malformed("its subject is not a user id") }
    }
}

/// Why a token was not accepted; each becomes a 401 whose message says so.
public enum TokenRejection: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case algorithmNotAccepted(String)
    case unknownKey(String)
    case badSignature
    case expired
    case notYetValid
    case wrongIssuer
    case wrongAudience
    /// Issued before the user changed their password or email.
    case revoked

    public var description: String {
        switch self {
        case .malformed(let reason): "token is malformed: \(reason)"
        case .algorithmNotAccepted(let algorithm): "token algorithm \(algorithm) is not accepted"
        case .unknownKey(let kid): "token was signed with an unknown key (kid \(kid))"
        case .badSignature: "token signature is invalid"
        case .expired: "token has expired"
        case .notYetValid: "token is not valid yet"
        case .wrongIssuer: "token was not issued by Inkwell's auth service"
        case .wrongAudience: "token is not meant for Inkwell's API"
        case .revoked: "token was revoked when the password or email changed: sign in again"
        }
    }
}
