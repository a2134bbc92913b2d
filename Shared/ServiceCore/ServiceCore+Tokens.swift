import Authentication

extension ServiceCore {
    /// Checks tokens locally with the auth service's public keys, fetched from its JWKS endpoint.
    public func makeTokenVerifier() -> TokenVerifier {
        TokenVerifier(keySource: JWKSKeySource(configuration: configuration.tokens, logger: logger))
    }
}
