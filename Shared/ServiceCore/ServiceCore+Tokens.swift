import Authentication

extension ServiceCore {
    /// Checks tokens locally with the auth service's public keys, fetched from its JWKS endpoint.
    public func makeTokenVerifier() -> TokenVerifier {
        TokenVerifier(keySource: JWKSKeySource(configuration: configuration.tokens, logger: logger))
    }

    /// The revocations in this service's projection of users, each read once per user and replica
    /// until the table announces a change of one (``tokenRevocationAnnouncements``, which the
    /// service runs; a minute at most): a revocation reaches every replica's checks as it commits.
    public func projectedTokenRevocations(in table: ProjectedTokenRevocations.Table = .users) -> RememberedTokenRevocations {
        ProjectedTokenRevocations(database: database, table: table, logger: logger)
            .remembered(for: .seconds(60), announcements: tokenRevocationAnnouncements)
    }
}
