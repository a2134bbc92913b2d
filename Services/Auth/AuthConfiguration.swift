import Settings

/// The auth service's own settings, read beside the shared ``ServiceConfiguration``.
struct AuthConfiguration: Sendable {
    /// The PEM of the EC P-256 key that signs tokens (`JWT_PRIVATE_KEY`).
    var signingKeyPEM: String
    /// PEMs of public keys of earlier signing keys, still served in the JWKS so that their tokens
    /// stay valid until they expire (`JWT_PREVIOUS_PUBLIC_KEYS`, PEM blocks one after another).
    var previousPublicKeyPEMs: [String]
    /// How long a token is valid (`TOKEN_LIFETIME`, seconds).
    var tokenLifetime: Duration
    /// bcrypt's cost factor (`BCRYPT_COST`); 10 or more outside tests.
    var bcryptCost: UInt8
    /// Failed logins for one email before its logins are locked (`LOGIN_FREE_FAILURES`).
    var loginFreeFailures: Int
    /// The first lock (`LOGIN_FIRST_LOCK`, seconds); each further failure doubles it, up to
    /// `LOGIN_LONGEST_LOCK` (seconds).
    var loginFirstLock: Duration
    var loginLongestLock: Duration
    /// The internal listeners of the services that keep a projection of users and follows, to which a
    /// user's change is pushed as it is answered (`POSTS_URL`, `COMMENTS_URL`: comma-separated, one per
    /// replica or a load balancer; `none` pushes nothing), and how long a push may take (`PUSH_TIMEOUT`).
    var projectionURLs: [(service: String, urls: [String])]
    var pushTimeout: Duration

    init(environment: EnvironmentReader) throws(ConfigurationError) {
        guard let pem = environment.raw("JWT_PRIVATE_KEY") else {
            throw ConfigurationError(
                variable: "JWT_PRIVATE_KEY", value: "",
                expected: "the PEM of an EC P-256 private key (scripts/stack makes one; openssl ecparam -name prime256v1 -genkey)")
        }
        self.signingKeyPEM = pem
        self.previousPublicKeyPEMs = Self.pemBlocks(environment.raw("JWT_PREVIOUS_PUBLIC_KEYS") ?? "")
        self.tokenLifetime = try environment.seconds("TOKEN_LIFETIME", default: 86400, in: 60...(30 * 86400))
        self.bcryptCost = UInt8(try environment.integer("BCRYPT_COST", default: 10, in: 4...16))
        self.loginFreeFailures = try environment.integer("LOGIN_FREE_FAILURES", default: 5, in: 1...1000)
        self.loginFirstLock = try environment.seconds("LOGIN_FIRST_LOCK", default: 1, in: 0.1...3600)
        self.loginLongestLock = try environment.seconds("LOGIN_LONGEST_LOCK", default: 900, in: 1...86400)
        var projectionURLs: [(service: String, urls: [String])] = []
        for (service, variable, native) in [("posts", "POSTS_URL", "http://127.0.0.1:8251"), ("comments", "COMMENTS_URL", "http://127.0.0.1:8351")]
        where environment.raw(variable)?.lowercased() != "none" {
            projectionURLs.append(
                (service, try environment.urls(variable, default: native, describing: "the \(service) service's internal listener")))
        }
        self.projectionURLs = projectionURLs
        self.pushTimeout = try environment.seconds("PUSH_TIMEOUT", default: 1, in: 0.05...10)
    }

    static func pemBlocks(_ text: String) -> [String] {
        let end = "-----END PUBLIC KEY-----"
        return text.components(separatedBy: end)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
            .map { $0 + "\n" + end + "\n" }
    }
}
