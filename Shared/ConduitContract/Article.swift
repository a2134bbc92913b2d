/// An article as Conduit shows it to one caller. Lists leave `body` out, as v1.1.0 does; a search's
/// hits carry an `excerpt` (this API's extension).
public struct ArticleView: Codable, Sendable, Equatable {
    public var slug: String
    public var title: String
    public var description: String
    public var body: String?
    /// HTML: some of the body, escaped, with the words found in `<mark>`.
    public var excerpt: String?
    public var tagList: [String]
    public var createdAt: String
    public var updatedAt: String
    public var favorited: Bool
    public var favoritesCount: Int
    public var author: Profile

    public init(
        slug: String, title: String, description: String, body: String?, excerpt: String? = nil, tagList: [String], createdAt: String,
        updatedAt: String, favorited: Bool, favoritesCount: Int, author: Profile
    ) {
        self.slug = slug
        self.title = title
        self.description = description
        self.body = body
        self.excerpt = excerpt
        self.tagList = tagList
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.favorited = favorited
        self.favoritesCount = favoritesCount
        self.author = author
    }
}

public struct SingleArticleResponse: Codable, Sendable, Equatable {
    public var article: ArticleView

    public init(article: ArticleView) { self.article = article }
}

public struct MultipleArticlesResponse: Codable, Sendable, Equatable {
    public var articles: [ArticleView]
    public var articlesCount: Int

    public init(articles: [ArticleView], articlesCount: Int) {
        self.articles = articles
        self.articlesCount = articlesCount
    }
}

public struct TagsResponse: Codable, Sendable, Equatable {
    public var tags: [String]

    public init(tags: [String]) { self.tags = tags }
}
