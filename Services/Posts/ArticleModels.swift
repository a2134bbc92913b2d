import ConduitContract
import Events
import Foundation
import HTTPKit
import Hummingbird

// Request and response bodies, as Conduit's openapi.yml (v1.1.0) names them.

struct NewArticleRequest: Decodable {
    struct NewArticle: Decodable {
        var title: String
        var description: String
        var body: String
        var tagList: [String]?

        private enum CodingKeys: String, CodingKey {
            case title, description, body, tagList
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            title = try container.decode(String.self, forKey: .title)
            description = try container.decode(String.self, forKey: .description)
            body = try container.decode(String.self, forKey: .body)
            // Some clients send the editor's tag field as it is typed, one string: taken as one tag (none when empty), as the
            // reference implementation does.
            if let tag = try? container.decodeIfPresent(String.self, forKey: .tagList) {
                tagList = tag.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? [] : [tag]
            } else {
                tagList = try container.decodeIfPresent([String].self, forKey: .tagList)
            }
        }
    }
    var article: NewArticle
}

struct UpdateArticleRequest: Decodable {
    struct Changes: Decodable {
        var title: String?
        var description: String?
        var body: String?
    }
    var article: Changes
}

/// An article as stored, with its author and the caller's relation to both.
struct ArticleRecord: Sendable {
    var id: UUID
    var slug: String
    var title: String
    var description: String
    var body: String?
    var tagList: [String]
    var createdAt: Date
    var updatedAt: Date
    var favoritesCount: Int
    var authorID: UUID
    var author: Profile
    var favorited: Bool
    /// A search hit's (see ``ArticleView/excerpt``).
    var excerpt: String? = nil

    var reference: ArticleReference {
        ArticleReference(articleID: id, slug: slug, authorID: authorID, title: title)
    }

    var view: ArticleView {
        ArticleView(
            slug: slug, title: title, description: description, body: body, excerpt: excerpt, tagList: tagList,
            createdAt: Timestamp.string(from: createdAt), updatedAt: Timestamp.string(from: updatedAt),
            favorited: favorited, favoritesCount: favoritesCount, author: author
        )
    }
}

extension ArticleView: JSONWritable {
    public func write(to json: inout JSONOutput) {
        json.object { json in
            json.field("slug", slug)
            json.field("title", title)
            json.field("description", description)
            json.field("body", ifPresent: body)
            json.field("excerpt", ifPresent: excerpt)
            json.field("tagList", tagList)
            json.field("createdAt", createdAt)
            json.field("updatedAt", updatedAt)
            json.field("favorited", favorited)
            json.field("favoritesCount", favoritesCount)
            json.field("author", author)
        }
    }
}

extension SingleArticleResponse: ResponseEncodable, JSONWritable {
    public func write(to json: inout JSONOutput) {
        json.object { json in json.field("article", article) }
    }
}

extension MultipleArticlesResponse: ResponseEncodable, JSONWritable {
    public func write(to json: inout JSONOutput) {
        json.object { json in
            json.field("articles", articles)
            json.field("articlesCount", articlesCount)
        }
    }
}

extension TagsResponse: ResponseEncodable, JSONWritable {
    public func write(to json: inout JSONOutput) {
        json.object { json in json.field("tags", tags) }
    }
}
