import Foundation
import HTTPKit
import Hummingbird

/// Reads `Authorization: Token <jwt>` (Conduit's form) or `Bearer <jwt>`, checks the token and puts
/// the user in `context.identity`. With `.required`, a request without a token gets a 401; with
/// `.optional` it goes on anonymously. A token that is sent and is not valid is a 401 either way.
public struct TokenAuthenticationMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    public enum Requirement: Sendable {
        case required
        case optional
    }

    let verifier: TokenVerifier
    let requirement: Requirement

    public init(verifier: TokenVerifier, requirement: Requirement) {
        self.verifier = verifier
        self.requirement = requirement
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authorization = request.headers[.authorization] else {
            if requirement == .required {
                throw ConduitError.unauthorized("missing token: send the header 'Authorization: Token <jwt>'")
            }
            return try await next(request, context)
        }
        let token = try Self.token(fromAuthorization: authorization)
        let claims: AccessTokenClaims
        do {
            claims = try await verifier.verify(token)
        } catch let rejection as TokenRejection {
            context.logger.debug("token rejected", metadata: ["reason": "\(rejection)"])
            throw ConduitError.unauthorized(rejection.description)
        }
        guard let userID = claims.userID else {
            throw ConduitError.unauthorized(TokenRejection.malformed("its subject is not a user id").description)
        }
        var context = context
        context.identity = AuthenticatedUser(id: userID, username: claims.username, token: token)
        context.logger[metadataKey: "user_id"] = .string(userID.uuidString.lowercased())
        return try await next(request, context)
    }

    static func token(fromAuthorization value: String) throws -> String {
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, ["token", "bearer"].contains(parts[0].lowercased()) else {
            throw ConduitError.unauthorized("the Authorization header must be 'Token <jwt>' or 'Bearer <jwt>'")
        }
        // HTTP's whitespace around the token: spaces and tabs.
        let isSpace = { (character: Character) in character == " " || character == "\t" }
        var token = parts[1].drop(while: isSpace)
        while let last = token.last, isSpace(last) { token = token.dropLast() }
        return String(token)
    }
}

extension TokenVerifier {
    /// Routes behind this middleware need a valid token.
    public var required: TokenAuthenticationMiddleware { TokenAuthenticationMiddleware(verifier: self, requirement: .required) }
    /// Routes behind this middleware take a token when one is sent.
    public var optional: TokenAuthenticationMiddleware { TokenAuthenticationMiddleware(verifier: self, requirement: .optional) }
}
