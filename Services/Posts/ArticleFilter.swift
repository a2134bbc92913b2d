import Foundation
import PostgresNIO

/// What a list of articles is narrowed to; nil fields do not narrow it.
struct ArticleFilter: Sendable, Equatable {
    var tag: String?
    var author: String?
    var favoritedBy: String?
    /// The articles of the authors this user follows.
    var feedOf: UUID?
    /// Words to look for (see ``ArticleSearch``); the list is then ranked by relevance.
    var search: String?

    /// The filter's conditions on `articles a`, their values bound after those already in `bindings`:
    /// the one place where they are written, for a page, its count and a search. Each filter's ids
    /// come from its own index (ANY of an array the planner computes once); a search's matches, from
    /// the GIN index of the articles' search vectors.
    /// - Parameter tagLimit: how many of the tag's newest ids to take (nil: all of them).
    func conditions(tagLimit: Int?, bindings: inout PostgresBindings) -> String {
        var conditions: [String] = []
        if let tag {
            let newest = tagLimit.map { " ORDER BY t.created_at DESC, t.article_id DESC LIMIT \(bindings.bind($0))" } ?? ""
            conditions.append("a.id = ANY (ARRAY (SELECT t.article_id FROM article_tags t WHERE t.tag = \(bindings.bind(tag))\(newest)))")
        }
        if let author {
            conditions.append("a.author_id = ANY (ARRAY (SELECT id FROM users WHERE lower(username) = lower(\(bindings.bind(author)))))")
        }
        if let favoritedBy {
            conditions.append(
                """
                a.id = ANY (ARRAY (
                    SELECT f.article_id FROM favorites f JOIN users fu ON fu.id = f.user_id WHERE lower(fu.username) = lower(\(bindings.bind(favoritedBy)))))
                """)
        }
        if let feedOf {
            conditions.append("a.author_id = ANY (ARRAY (SELECT followee_id FROM follows WHERE follower_id = \(bindings.bind(feedOf))))")
        }
        if let search {
            // A search of words to leave out only ('T', a query the index cannot use) would read every article: none match.
            let query = ArticleSearch.query(search, bindings: &bindings)
            conditions.append("a.search_vector @@ \(query) AND querytree(\(query)) <> 'T'")
        }
        return conditions.isEmpty ? "true" : conditions.joined(separator: "\n  AND ")
    }
}

extension PostgresBindings {
    /// Binds `value` and returns its placeholder (`$1`, `$2`, …) for the SQL being written.
    mutating func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
        append(value)
        return "$\(count)"
    }
}
