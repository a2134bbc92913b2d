import Authentication
import Foundation

/// Makes access tokens for users.
struct TokenIssuer: Sendable {
    let keys: SigningKeys
    let lifetime: Duration

    func issue(for user: UserRecord) async throws -> String {
        try await keys.sign(AccessTokenClaims(userID: user.id, username: user.username, issuedAt: Date(), lifetime: lifetime))
    }
}
