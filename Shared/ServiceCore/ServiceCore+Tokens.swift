import Authentication

extension ServiceCore {
    /// Checks tokens locally with the auth service's public keys, fetched from its JWKS endpoint.
    public func makeTokenVerifier() -> TokenVerifier {
        TokenVerifier(keySource: JWKSKeySource(configuration: configuration.tokens, logger: logger))
    }

    /// The revocations in this service's projection of users, each read at most once a second per
    /// user and replica: a revocation reaches the checks up to a second after `user.updated`.
    public func projectedTokenRevocations(in table: ProjectedTokenRevocations.Table = .users) -> RememberedTokenRevocations {
        ProjectedTokenRevocations(database: database, table: table, logger: logger).remembered(for: .seconds(1))
    }
}
