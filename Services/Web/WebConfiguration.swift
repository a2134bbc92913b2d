import Settings

/// The web service's own settings, read beside the shared ``ServiceConfiguration`` (of which it
/// uses the address, logging, body limit and readiness timeout; it has no database and no broker).
struct WebConfiguration: Sendable {
    /// The other services' public API listeners, every replica, comma-separated: `AUTH_API_URL`,
    /// `POSTS_API_URL` (posts' public port, not the internal one comments' `POSTS_URL` names),
    /// `COMMENTS_API_URL`, `NOTIFIER_API_URL`.
    var authURLs: [String]
    var postsURLs: [String]
    var commentsURLs: [String]
    var notifierURLs: [String]
    /// Analytics' listeners (`ANALYTICS_API_URL`), for the `/stats` page.
    var analyticsURLs: [String]
    /// How long one call to a service may take (`API_TIMEOUT`), all its retries together
    /// (`API_DEADLINE`), and making a connection (`API_CONNECT_TIMEOUT`).
    var apiTimeout: Duration
    var apiDeadline: Duration
    var apiConnectTimeout: Duration
    /// Whether cookies are marked `Secure` (and named with the `__Host-` prefix): `COOKIE_SECURE`,
    /// true when the site is served over HTTPS.
    var secureCookies: Bool

    init(environment: EnvironmentReader) throws(ConfigurationError) {
        authURLs = try environment.urls("AUTH_API_URL", default: "http://127.0.0.1:8101", describing: "the auth service")
        postsURLs = try environment.urls("POSTS_API_URL", default: "http://127.0.0.1:8201", describing: "the posts service's public port")
        commentsURLs = try environment.urls("COMMENTS_API_URL", default: "http://127.0.0.1:8301", describing: "the comments service")
        notifierURLs = try environment.urls("NOTIFIER_API_URL", default: "http://127.0.0.1:8401", describing: "the notifier service")
        analyticsURLs = try environment.urls("ANALYTICS_API_URL", default: "http://127.0.0.1:8601", describing: "the analytics service")
        apiTimeout = try environment.seconds("API_TIMEOUT", default: 5, in: 0.05...60)
        apiDeadline = try environment.seconds("API_DEADLINE", default: 10, in: 0.05...120)
        apiConnectTimeout = try environment.seconds("API_CONNECT_TIMEOUT", default: 1, in: 0.05...30)
        secureCookies = try environment.boolean("COOKIE_SECURE", default: false)
    }
}
