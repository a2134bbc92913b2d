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
    /// What the held threads of comments may take in memory, roughly (`COMMENT_VIEW_CACHE_MEGABYTES`;
    /// 0 turns that cache off; see ``CommentViewCache``).
    var commentCacheBytes: Int

    init(environment: EnvironmentReader) throws(ConfigurationError) {
        self.postsURLs = try environment.urls("POSTS_URL", default: "http://127.0.0.1:8251", describing: "the posts service")
        self.postsTimeout = try environment.seconds("POSTS_TIMEOUT", default: 1, in: 0.05...10)
        self.postsDeadline = try environment.seconds("POSTS_DEADLINE", default: 1.8, in: 0.05...30)
        self.articleCacheLifetime = try environment.seconds("ARTICLE_CACHE_SECONDS", default: 5, in: 0...3600)
        self.commentCacheBytes = try environment.integer("COMMENT_VIEW_CACHE_MEGABYTES", default: 4, in: 0...65_536) << 20
    }
}
