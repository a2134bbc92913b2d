import Settings

/// The comments service's own settings, read beside the shared ``ServiceConfiguration``.
struct CommentsConfiguration: Sendable {
    /// Posts' internal listeners, tried in turn (`POSTS_URL`, comma-separated; posts' `INTERNAL_PORT`).
    var postsURLs: [String]
    /// How long one call to posts may take (`POSTS_TIMEOUT`), and all its retries together (`POSTS_DEADLINE`).
    var postsTimeout: Duration
    var postsDeadline: Duration
    /// How long a found article is remembered (`ARTICLE_CACHE_SECONDS`; 0 turns the cache off).
    var articleCacheLifetime: Duration

    init(environment: EnvironmentReader) throws(ConfigurationError) {
        let urls = environment.string("POSTS_URL", default: "http://127.0.0.1:8251")
        let list = urls.split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)).trimmingSuffix("/") }
        guard !list.isEmpty, list.allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") }) else {
            throw ConfigurationError(variable: "POSTS_URL", value: urls, expected: "http(s) base URLs of the posts service, comma-separated")
        }
        self.postsURLs = list
        self.postsTimeout = try environment.seconds("POSTS_TIMEOUT", default: 1, in: 0.05...10)
        self.postsDeadline = try environment.seconds("POSTS_DEADLINE", default: 1.8, in: 0.05...30)
        self.articleCacheLifetime = try environment.seconds("ARTICLE_CACHE_SECONDS", default: 5, in: 0...3600)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
