/// Counts over a span of days.
public struct AnalyticsCounts: Codable, Sendable, Equatable {
    public var reads: Int
    public var uniqueReaders: Int
    public var favorites: Int
    public var comments: Int
    /// Authors only: the net change in followers.
    public var followers: Int?

    public init(reads: Int, uniqueReaders: Int, favorites: Int, comments: Int, followers: Int?) {
        self.reads = reads
        self.uniqueReaders = uniqueReaders
        self.favorites = favorites
        self.comments = comments
        self.followers = followers
    }
}

/// One day's counts.
public struct AnalyticsDayCounts: Codable, Sendable, Equatable {
    public var date: String
    public var reads: Int
    public var uniqueReaders: Int
    public var favorites: Int
    public var comments: Int
    /// Authors only: the net change in followers.
    public var followers: Int?

    public init(date: String, reads: Int, uniqueReaders: Int, favorites: Int, comments: Int, followers: Int?) {
        self.date = date
        self.reads = reads
        self.uniqueReaders = uniqueReaders
        self.favorites = favorites
        self.comments = comments
        self.followers = followers
    }
}

/// One of an author's most read articles, with its counts over the span.
public struct AnalyticsTopArticle: Codable, Sendable, Equatable {
    public var slug: String
    public var title: String
    public var reads: Int
    public var uniqueReaders: Int
    public var favorites: Int
    public var comments: Int

    public init(slug: String, title: String, reads: Int, uniqueReaders: Int, favorites: Int, comments: Int) {
        self.slug = slug
        self.title = title
        self.reads = reads
        self.uniqueReaders = uniqueReaders
        self.favorites = favorites
        self.comments = comments
    }
}

/// An author's numbers for the last `days` days, `from` and `to` included.
public struct AuthorAnalytics: Codable, Sendable, Equatable {
    public var days: Int
    public var from: String
    public var to: String
    public var totals: AnalyticsCounts
    public var daily: [AnalyticsDayCounts]
    public var topArticles: [AnalyticsTopArticle]

    public init(days: Int, from: String, to: String, totals: AnalyticsCounts, daily: [AnalyticsDayCounts], topArticles: [AnalyticsTopArticle]) {
        self.days = days
        self.from = from
        self.to = to
        self.totals = totals
        self.daily = daily
        self.topArticles = topArticles
    }
}

/// One article's numbers for the last `days` days, `from` and `to` included.
public struct ArticleAnalytics: Codable, Sendable, Equatable {
    public var slug: String
    public var title: String
    public var days: Int
    public var from: String
    public var to: String
    public var totals: AnalyticsCounts
    public var daily: [AnalyticsDayCounts]

    public init(slug: String, title: String, days: Int, from: String, to: String, totals: AnalyticsCounts, daily: [AnalyticsDayCounts]) {
        self.slug = slug
        self.title = title
        self.days = days
        self.from = from
        self.to = to
        self.totals = totals
        self.daily = daily
    }
}

public struct AuthorAnalyticsResponse: Codable, Sendable, Equatable {
    public var analytics: AuthorAnalytics

    public init(analytics: AuthorAnalytics) { self.analytics = analytics }
}

public struct ArticleAnalyticsResponse: Codable, Sendable, Equatable {
    public var articleAnalytics: ArticleAnalytics

    public init(articleAnalytics: ArticleAnalytics) { self.articleAnalytics = articleAnalytics }
}
