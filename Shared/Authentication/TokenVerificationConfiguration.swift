import Foundation
import Settings

/// Where and how a service fetches the auth service's public keys.
public struct TokenVerificationConfiguration: Sendable {
    /// JWKS addresses, tried in turn (`AUTH_JWKS_URL`, comma-separated: one per auth replica).
    public var jwksURLs: [String]
    /// How long one fetch may take (`JWKS_FETCH_TIMEOUT`).
    public var fetchTimeout: Duration
    /// A token with an unknown `kid` refetches the set at most this often (`JWKS_REFETCH_INTERVAL`).
    public var minimumRefetchInterval: Duration
    /// A cached set older than this is refreshed on its next use (`JWKS_MAX_AGE`).
    public var maximumAge: Duration

    public init(
        jwksURLs: [String], fetchTimeout: Duration = .seconds(2), minimumRefetchInterval: Duration = .seconds(10),
        maximumAge: Duration = .seconds(300)
    ) {
        self.jwksURLs = jwksURLs
        self.fetchTimeout = fetchTimeout
        self.minimumRefetchInterval = minimumRefetchInterval
        self.maximumAge = maximumAge
    }

    /// Reads `AUTH_JWKS_URL`, `JWKS_FETCH_TIMEOUT`, `JWKS_REFETCH_INTERVAL` and `JWKS_MAX_AGE`.
    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let urls = environment.string("AUTH_JWKS_URL", default: "http://127.0.0.1:8101/.well-known/jwks.json")
        let list = urls.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !list.isEmpty, list.allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") }) else {
            throw ConfigurationError(
                variable: "AUTH_JWKS_URL", value: urls, expected: "http(s) URLs of the auth service's /.well-known/jwks.json, comma-separated")
        }
        self.init(
            jwksURLs: list,
            fetchTimeout: try environment.seconds("JWKS_FETCH_TIMEOUT", default: 2, in: 0.1...30),
            minimumRefetchInterval: try environment.seconds("JWKS_REFETCH_INTERVAL", default: 10, in: 0...3600),
            maximumAge: try environment.seconds("JWKS_MAX_AGE", default: 300, in: 1...86400)
        )
    }
}
