import JWTKit

/// Where a ``TokenVerifier`` finds the public key that a token names in its `kid` header.
public protocol TokenKeySource: Sendable {
    /// Keys that include `kid`; throws ``TokenRejection/unknownKey(_:)`` when there is none.
    func keys(for kid: String) async throws -> JWTKeyCollection
}

/// A fixed set of keys: the auth service checks tokens with the keys it signs with.
public struct StaticTokenKeys: TokenKeySource {
    let collection: JWTKeyCollection
    let kids: Set<String>

    public init(collection: JWTKeyCollection, kids: Set<String>) {
        self.collection = collection
        self.kids = kids
    }

    public func keys(for kid: String) async throws -> JWTKeyCollection {
        guard kids.contains(kid) else { throw TokenRejection.unknownKey(kid) }
        return collection
    }
}
