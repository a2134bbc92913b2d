import ConduitContract
import Events
import HTTPKit
import Persistence
import PostgresNIO

/// How an article is read as one viewer sees it: the select list that every query of articles
/// writes from ``list``, and the decoder that reads it back, each column checked by its name, so
/// that the list and the decoder cannot go out of order unnoticed. (`newest_articles`, of the
/// migration `newest_articles_with_one_plan`, returns the same columns under the same names; its
/// copy of the list belongs to an applied migration, which stays as it was, and its rows are
/// checked by name like the rest.)
enum ArticleColumns {
    /// The columns of `articles a JOIN users u`, as the user bound at `$1` sees the article: whether
    /// they follow its author and whether they favorited it.
    static let list = """
        a.id, a.slug, a.title, a.description, a.tag_list, a.created_at, a.updated_at, a.favorites_count,
            a.author_id, u.username, u.bio, u.image,
            EXISTS (SELECT 1 FROM follows fw WHERE fw.follower_id = $1 AND fw.followee_id = a.author_id) AS following,
            EXISTS (SELECT 1 FROM favorites fv WHERE fv.user_id = $1 AND fv.article_id = a.id) AS favorited
        """

    /// ``list`` and the body, which one article shows and lists leave out.
    static let listWithBody = list + ", a.body"

    /// The article whose ``list`` (``listWithBody`` when `withBody`) `cells` hold next; the cells
    /// after it are left to the caller.
    static func decode(_ cells: inout PostgresCells, withBody: Bool) throws -> ArticleRecord {
        var article = ArticleRecord(
            id: try cells.next(column: "id"), slug: try cells.next(column: "slug"), title: try cells.next(column: "title"),
            description: try cells.next(column: "description"), body: nil, tagList: try cells.next(column: "tag_list"),
            createdAt: try cells.next(column: "created_at"), updatedAt: try cells.next(column: "updated_at"),
            favoritesCount: try cells.next(column: "favorites_count"), authorID: try cells.next(column: "author_id"),
            author: Profile(
                username: try cells.next(column: "username"), bio: try cells.next(column: "bio"), image: try cells.next(column: "image"),
                following: try cells.next(column: "following")),
            favorited: try cells.next(column: "favorited")
        )
        if withBody { article.body = try cells.next(column: "body") }
        return article
    }

    /// A row that holds ``list`` (``listWithBody`` when `withBody`) and nothing else.
    static func decode(_ row: PostgresRow, withBody: Bool) throws -> ArticleRecord {
        var cells = PostgresCells(row)
        return try decode(&cells, withBody: withBody)
    }

    /// The columns of `articles` an ``ArticleReference`` is read from (other services know an article by them).
    static let referenceList = "id, slug, author_id, title"

    /// The reference whose ``referenceList`` `cells` hold next; the cells after it are left to the caller.
    static func decodeReference(_ cells: inout PostgresCells) throws -> ArticleReference {
        ArticleReference(
            articleID: try cells.next(column: "id"), slug: try cells.next(column: "slug"), authorID: try cells.next(column: "author_id"),
            title: try cells.next(column: "title"))
    }
}
