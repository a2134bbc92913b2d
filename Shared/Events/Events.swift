// Events: the contracts between the services. The events named in ARCHITECTURE.md, their JSON
// envelope (`EventEnvelope`, `IncomingEvent`), the topics, the Kafka header names, and the one
// timestamp format of the API and the events (`Timestamp`). `ArticleReference` is also what posts'
// internal route answers about an article.
//
// Depends on Foundation only: a program that reads or writes events needs nothing else.

import Foundation

// Ids of users and articles are UUIDs; comment ids are Conduit's integers.

/// A user's profile as the `user.*` events carry it.
public struct UserProfile: Codable, Sendable, Equatable {
    public var userID: UUID
    public var username: String
    public var email: String
    public var bio: String?
    public var image: String?
    /// Tokens issued before this time are revoked (the password or email changed then).
    public var tokensValidAfter: Date?

    public init(userID: UUID, username: String, email: String, bio: String?, image: String?, tokensValidAfter: Date? = nil) {
        self.userID = userID
        self.username = username
        self.email = email
        self.bio = bio
        self.image = image
        self.tokensValidAfter = tokensValidAfter
    }

    var key: String { userID.uuidString.lowercased() }
}

public struct UserRegistered: DomainEvent {
    public static let type = "user.registered"
    public static let topic = EventTopic.users
    public var user: UserProfile
    public var key: String { user.key }
    public init(user: UserProfile) { self.user = user }
}

/// The full new profile, username changes included.
public struct UserUpdated: DomainEvent {
    public static let type = "user.updated"
    public static let topic = EventTopic.users
    public var user: UserProfile
    public var key: String { user.key }
    public init(user: UserProfile) { self.user = user }
}

/// Who follows whom, as `user.followed` and `user.unfollowed` carry it.
public struct FollowRelation: Codable, Sendable, Equatable {
    public var followerID: UUID
    public var followeeID: UUID

    public init(followerID: UUID, followeeID: UUID) {
        self.followerID = followerID
        self.followeeID = followeeID
    }
}

public struct UserFollowed: DomainEvent {
    public static let type = "user.followed"
    public static let topic = EventTopic.users
    public var follow: FollowRelation
    public var key: String { follow.followerID.uuidString.lowercased() }
    public init(follow: FollowRelation) { self.follow = follow }
}

public struct UserUnfollowed: DomainEvent {
    public static let type = "user.unfollowed"
    public static let topic = EventTopic.users
    public var follow: FollowRelation
    public var key: String { follow.followerID.uuidString.lowercased() }
    public init(follow: FollowRelation) { self.follow = follow }
}

/// An article as other services know it: what every article event says about its article, and what
/// posts' internal route (`GET /internal/articles/{slug}`) answers when comments asks about one.
public struct ArticleReference: Codable, Sendable, Equatable {
    public var articleID: UUID
    public var slug: String
    public var authorID: UUID
    public var title: String

    public init(articleID: UUID, slug: String, authorID: UUID, title: String) {
        self.articleID = articleID
        self.slug = slug
        self.authorID = authorID
        self.title = title
    }
}

/// An event about one article, on the `articles` topic, keyed by the article's id.
public protocol ArticleEvent: DomainEvent {
    var article: ArticleReference { get }
}

extension ArticleEvent {
    public static var topic: EventTopic { .articles }
    public var key: String { article.articleID.uuidString.lowercased() }
}

public struct ArticleCreated: ArticleEvent {
    public static let type = "article.created"
    public var article: ArticleReference
    public init(article: ArticleReference) { self.article = article }
}

public struct ArticleUpdated: ArticleEvent {
    public static let type = "article.updated"
    public var article: ArticleReference
    public init(article: ArticleReference) { self.article = article }
}

public struct ArticleDeleted: ArticleEvent {
    public static let type = "article.deleted"
    public var article: ArticleReference
    public init(article: ArticleReference) { self.article = article }
}

public struct ArticleFavorited: ArticleEvent {
    public static let type = "article.favorited"
    public var article: ArticleReference
    public var userID: UUID

    public init(article: ArticleReference, userID: UUID) {
        self.article = article
        self.userID = userID
    }
}

public struct ArticleUnfavorited: ArticleEvent {
    public static let type = "article.unfavorited"
    public var article: ArticleReference
    public var userID: UUID

    public init(article: ArticleReference, userID: UUID) {
        self.article = article
        self.userID = userID
    }
}

public struct CommentCreated: DomainEvent {
    public static let type = "comment.created"
    public static let topic = EventTopic.comments
    public static let excerptLength = 200
    public var commentID: Int64
    public var articleID: UUID
    public var articleSlug: String
    public var articleAuthorID: UUID
    /// The article's title when the comment was made, for the notifier's message.
    public var articleTitle: String
    public var authorID: UUID
    /// The first 200 characters of the body.
    public var excerpt: String
    public var key: String { String(commentID) }

    public init(commentID: Int64, articleID: UUID, articleSlug: String, articleAuthorID: UUID, articleTitle: String, authorID: UUID, body: String) {
        self.commentID = commentID
        self.articleID = articleID
        self.articleSlug = articleSlug
        self.articleAuthorID = articleAuthorID
        self.articleTitle = articleTitle
        self.authorID = authorID
        self.excerpt = String(body.prefix(Self.excerptLength))
    }

    public init(commentID: Int64, on article: ArticleReference, authorID: UUID, body: String) {
        self.init(
            commentID: commentID, articleID: article.articleID, articleSlug: article.slug, articleAuthorID: article.authorID,
            articleTitle: article.title, authorID: authorID, body: body
        )
    }
}

public struct CommentDeleted: DomainEvent {
    public static let type = "comment.deleted"
    public static let topic = EventTopic.comments
    public var commentID: Int64
    public var articleID: UUID
    public var authorID: UUID
    public var key: String { String(commentID) }

    public init(commentID: Int64, articleID: UUID, authorID: UUID) {
        self.commentID = commentID
        self.articleID = articleID
        self.authorID = authorID
    }
}

/// Reads of one article's page or API answer on one day (UTC), as one replica of analytics counted
/// them in one batch: how many, and who, as a HyperLogLog sketch of the readers (never an
/// identity). On the `reads` topic, keyed by the slug, the only thing a read's URL says about its
/// article; analytics maps it to the article when it applies the batch.
public struct ArticleRead: DomainEvent {
    public static let type = "article.read"
    public static let topic = EventTopic.reads
    public var slug: String
    /// `yyyy-MM-dd`, in UTC.
    public var day: String
    public var reads: Int
    /// The sketch's registers that are not zero, each as `index << 8 | rank`.
    public var readers: [UInt32]
    public var key: String { slug }

    public init(slug: String, day: String, reads: Int, readers: [UInt32]) {
        self.slug = slug
        self.day = day
        self.reads = reads
        self.readers = readers
    }
}
