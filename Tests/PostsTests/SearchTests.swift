import ConduitContract
import Foundation
import HTTPKit
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import Posts

/// `GET /api/articles?search=`: PostgreSQL's full-text search over the articles' title, description,
/// tags and body, against the real database.
@Suite(.enabled(if: TestKafka.isAvailable, "needs the test PostgreSQL and broker (scripts/test starts them)"))
struct SearchTests {
    /// An article from any text (the harness's `create` writes its JSON by hand).
    static func write(
        _ posts: PostsHarness, by author: AuthenticatedUser, title: String, description: String = "An article", body: String = "Nothing to see.",
        tags: [String] = []
    ) async throws -> ArticleView {
        let article: [String: Any] = ["title": title, "description": description, "body": body, "tagList": tags]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: ["article": article]), as: UTF8.self)
        let reply = try await posts.send(.post, "/api/articles", as: author, json: json)
        guard reply.status == .created, let created = reply.article else { throw TestFailure("create failed: \(reply.status) \(reply.text)") }
        return created
    }

    static func search(_ posts: PostsHarness, _ query: String, as user: AuthenticatedUser? = nil) async throws -> MultipleArticlesResponse {
        let reply = try await posts.send(.get, "/api/articles?" + query, as: user)
        guard reply.status == .ok, let list = reply.list else { throw TestFailure("search \(query) failed: \(reply.status) \(reply.text)") }
        return list
    }

    static func encoded(_ words: String) -> String {
        words.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    @Test func aMatchInTheTitleRanksAboveTheDescriptionAndTagsAboveTheBodyAndEachHitHasAnExcerpt() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user("ranker")
            let inBody = try await Self.write(
                posts, by: author, title: "A day out", body: "We saw zebras by the river, and then more zebras. Zebras everywhere, zebras all day.")
            let inTag = try await Self.write(posts, by: author, title: "Stripes", tags: ["zebra"])
            let inDescription = try await Self.write(posts, by: author, title: "Animals", description: "All about the zebra")
            let inTitle = try await Self.write(posts, by: author, title: "The zebra", body: "Black and white.")
            _ = try await Self.write(posts, by: author, title: "Horses", body: "Not a striped one in sight.")

            let found = try await Self.search(posts, "search=zebra")
            // Description and tags weigh the same: the newer first.
            #expect(found.articles.map(\.slug) == [inTitle.slug, inDescription.slug, inTag.slug, inBody.slug])
            #expect(found.articlesCount == 4)
            #expect(found.articles.allSatisfy { $0.body == nil && $0.excerpt != nil })
            let excerpt = try #require(found.articles.last?.excerpt)
            #expect(excerpt.contains("<mark>zebras</mark>") && excerpt.contains("<mark>Zebras</mark>"), "\(excerpt)")
            #expect(found.articles.first?.excerpt == "Black and white.", "no match in the body: its start")
            // Lists that are not a search have no excerpt.
            #expect(try await Self.search(posts, "author=\(author.username)").articles.allSatisfy { $0.excerpt == nil })
        }
    }

    @Test func wordsMatchInAnyEnglishFormAsPhrasesAndExcludedAndInOtherLanguages() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user("linguist")
            let running = try await Self.write(posts, by: author, title: "Running dogs", body: "The quick brown fox jumps over the lazy dog.")
            let runs = try await Self.write(posts, by: author, title: "She runs", body: "A brown quick cat.")
            let german = try await Self.write(posts, by: author, title: "Über Hunde", body: "Was ist das? Das ist ein Hund.")

            func slugs(_ words: String) async throws -> Set<String> {
                Set(try await Self.search(posts, "search=" + Self.encoded(words)).articles.map(\.slug))
            }
            #expect(try await slugs("run") == [running.slug, runs.slug], "English stems: running, runs")
            #expect(try await slugs("dogs") == [running.slug], "dog and dogs")
            #expect(try await slugs("\"quick brown\"") == [running.slug], "a phrase: these words in this order")
            #expect(try await slugs("quick brown") == [running.slug, runs.slug])
            #expect(try await slugs("brown -dog") == [runs.slug], "-dog leaves out dogs too")
            #expect(try await slugs("fox or cat") == [running.slug, runs.slug])
            #expect(try await slugs("über") == [german.slug], "as written, whatever the case")
            #expect(try await slugs("was ist das") == [german.slug], "English stop words, found as written")
            #expect(try await slugs("\"lazy dog") == [running.slug], "an unclosed quote: a phrase to the end")
            #expect(try await slugs("giraffe").isEmpty)
        }
    }

    @Test func aSearchCombinesWithTheOtherFiltersAndPages() async throws {
        try await PostsHarness.run { posts in
            let ada = try await posts.tokens.user("ada")
            let bob = try await posts.tokens.user("bob")
            var adas: [ArticleView] = []
            for n in 1...5 {
                adas.append(try await Self.write(posts, by: ada, title: "Comets \(n)", tags: n % 2 == 0 ? ["even"] : ["odd"]))
            }
            let bobs = try await Self.write(posts, by: bob, title: "Comets by Bob", tags: ["even"])
            try await posts.send(.post, "/api/articles/\(adas[1].slug)/favorite", as: bob)

            // Equal relevance: newest first.
            let all = try await Self.search(posts, "search=comets&limit=2&offset=1", as: bob)
            #expect(all.articles.map(\.slug) == [adas[4].slug, adas[3].slug])
            #expect(all.articlesCount == 6)
            let pastTheEnd = try await Self.search(posts, "search=comets&offset=10")
            #expect(pastTheEnd.articles.isEmpty && pastTheEnd.articlesCount == 6)
            let even = try await Self.search(posts, "search=comets&tag=even")
            #expect(even.articles.map(\.slug) == [bobs.slug, adas[3].slug, adas[1].slug] && even.articlesCount == 3)
            let byAda = try await Self.search(posts, "search=comets&tag=even&author=\(ada.username)")
            #expect(byAda.articles.map(\.slug) == [adas[3].slug, adas[1].slug] && byAda.articlesCount == 2)
            let favorited = try await Self.search(posts, "search=comets&favorited=\(bob.username)", as: bob)
            #expect(favorited.articles.map(\.slug) == [adas[1].slug] && favorited.articles.first?.favorited == true)
            #expect(try await Self.search(posts, "search=comets&author=nobody").articlesCount == 0)
        }
    }

    /// Only the highlight is markup: the body's own `<`, `&` and quotes come back escaped, and the
    /// characters that mark a match in `ts_headline`'s answer, written into a body, mark nothing.
    @Test func theExcerptIsEscapedButForItsMarks() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user("escaper")
            let body = "Then 'walrus' if a < b && c > \"d\" \u{2}fake\u{3} <img src=x onerror=alert(1)> walrus"
            _ = try await Self.write(posts, by: author, title: "Markup", body: body)
            let excerpt = try #require(try await Self.search(posts, "search=walrus").articles.first?.excerpt)
            #expect(excerpt.contains("&#39;<mark>walrus</mark>&#39; if a &lt; b &amp;&amp; c &gt; &quot;d&quot; fake &lt;img"), "\(excerpt)")
            #expect(excerpt.components(separatedBy: "<mark>").count == 3, "two matches, two marks: \(excerpt)")
            let withoutMarks = excerpt.replacingOccurrences(of: "<mark>", with: "").replacingOccurrences(of: "</mark>", with: "")
            #expect(!withoutMarks.contains("<") && !withoutMarks.contains(">") && !withoutMarks.contains("\u{2}"), "\(excerpt)")
        }
    }

    @Test(arguments: [
        ("search=", "can't be blank"),
        ("search=%20%20%20", "can't be blank"),
        ("search=" + String(repeating: "a", count: 201), "is too long (maximum is 200 characters)"),
        // A kilobyte of operators.
        ("search=" + String(repeating: "%22-%21%7C%26()%3A*%3C-%3E", count: 86), "is too long (maximum is 800 bytes)"),
        ("search=" + String(repeating: "%22-%21%7C%26()", count: 20), "must contain a word to search for"),
        ("search=%22%22%20-%20%22", "must contain a word to search for"),
        ("search=%E2%80%A6%F0%9F%90%98", "must contain a word to search for"),
        ("search=zebra%00", "must not contain the character U+0000"),
        ("search=-zebra", "must name a word to find"),
        ("search=-%20zebra", "must name a word to find"),
        ("search=-%22zebra%20crossing%22%20-lion", "must name a word to find"),
    ])
    func badSearchesAre422sNamingTheSearch(query: String, message: String) async throws {
        try await PostsHarness.run { posts in
            let reply = try await posts.send(.get, "/api/articles?" + query)
            #expect(reply.status == .unprocessableContent, "\(reply.text)")
            #expect(reply.errors["search"]?.first?.hasPrefix(message) == true, "\(reply.text)")
        }
    }

    /// What websearch_to_tsquery's syntax could trip on, with words in it: each is a search (never a 500).
    @Test func operatorsAndQuotesAroundWordsAreSearchedNeverAnError() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user("operator")
            let article = try await Self.write(posts, by: author, title: "Walrus facts", body: "A walrus can weigh 1500 kg.")
            let searches = [
                "\"walrus", "walrus\"", "\"\"walrus\"\"", "walrus -", "walrus or", "or walrus", "walrus & !kg", "walrus | (kg)",
                "walrus:*", "walrus <-> kg", "'walrus'", "walrus\\", "\\\\walrus", "walrus''", "!!walrus", "((walrus", "walrus))", "walrus:A",
                "1500", "kg walrus -\"x y\"", String(repeating: "walrus ", count: 28), String(repeating: "\"-walrus ", count: 22),
            ]
            for words in searches {
                let reply = try await posts.send(.get, "/api/articles?search=" + Self.encoded(words))
                #expect(reply.status == .ok, "\(words): \(reply.status) \(reply.text)")
            }
            #expect(try await Self.search(posts, "search=" + Self.encoded("walrus & !kg")).articles.map(\.slug) == [article.slug])
        }
    }

    @Test func aChangedTitleIsSearchedByItsNewWords() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user("editor")
            let article = try await Self.write(posts, by: author, title: "Penguins")
            let changed = try await posts.send(.put, "/api/articles/\(article.slug)", as: author, json: #"{"article":{"title":"Puffins"}}"#)
            #expect(changed.status == .ok)
            #expect(try await Self.search(posts, "search=penguins").articles.isEmpty)
            #expect(try await Self.search(posts, "search=puffins").articles.map(\.slug) == [try #require(changed.article).slug])
        }
    }

    /// The articles written before search existed have no search vector until the backfill gives
    /// them one; a favorite (an update of the row) does not compute it again.
    @Test func articlesWrittenBeforeSearchAreFoundOnceTheBackfillHasRun() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user("veteran")
            for n in 1...(SearchIndexBackfill.batchSize + 5) {
                _ = try await posts.create("Old Walrus \(n)", by: author)
            }
            let logger = Logger(label: "test")
            try await posts.database.query("UPDATE articles SET search_vector = NULL", logger: logger)
            try await posts.send(.post, "/api/articles/old-walrus-1/favorite", as: try await posts.tokens.user("fan"))
            #expect(try await Self.search(posts, "search=walrus").articlesCount == 0)

            let indexed = try await SearchIndexBackfill(database: posts.database, logger: logger).backfill()
            #expect(indexed == SearchIndexBackfill.batchSize + 5)
            #expect(try await posts.number("SELECT count(*)::int FROM articles WHERE search_vector @@ article_search_query('walrus')") == indexed)
            // The search held before is dropped when the backfill's announcement arrives.
            #expect(
                try await eventually(timeout: .seconds(60)) {
                    try await Self.search(posts, "search=walrus").articles.map(\.slug).first == "old-walrus-\(indexed)"
                })
            #expect(try await SearchIndexBackfill(database: posts.database, logger: logger).backfill() == 0, "nothing left")
        }
    }

    /// A search that leaves words out looks among the newest articles first, and past them when
    /// too few of those match.
    @Test func aSearchThatLeavesWordsOutFindsItsMatchesWhereverTheyAre() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user("excluder")
            let older = try await Self.write(posts, by: author, title: "Quokka facts", body: "A quokka smiles.")
            _ = try await Self.write(posts, by: author, title: "Quokka and dog")
            try await posts.database.query(
                """
                INSERT INTO articles (id, slug, title, description, body, author_id, created_at, updated_at)
                SELECT gen_random_uuid(), 'wombat-' || i, CASE WHEN i % 2 = 0 THEN 'Wombat and dog ' ELSE 'Wombat ' END || i, 'd', 'b', a.author_id,
                    now() + make_interval(secs => i), now() + make_interval(secs => i)
                FROM generate_series(1, \(ArticleSearch.recentWindow + 10)) AS i, (SELECT author_id FROM articles LIMIT 1) a
                """,
                logger: Logger(label: "test")
            )
            // Past the newest articles: none of them holds a quokka.
            #expect(try await Self.search(posts, "search=quokka%20-dog").articles.map(\.slug) == [older.slug])
            #expect(try await Self.search(posts, "search=quokka%20-quokka").articles.isEmpty)
            // Among them: enough wombats without a dog.
            let wombats = try await Self.search(posts, "search=wombat%20-dog&limit=2")
            let newest = ArticleSearch.recentWindow + 10
            #expect(wombats.articles.map(\.slug) == ["wombat-\(newest - 1)", "wombat-\(newest - 3)"])
            #expect(wombats.articlesCount == ArticleSearch.candidates)
        }
    }

    /// A search ranks its newest ``ArticleSearch/candidates`` matches at most, and counts no further.
    @Test func aSearchRanksAndCountsItsNewestCandidatesOnly() async throws {
        try await PostsHarness.run { posts in
            let author = try await posts.tokens.user("prolific")
            let first = try await Self.write(posts, by: author, title: "Narwhal anchor", tags: ["oldest"])
            try await posts.database.query(
                """
                INSERT INTO articles (id, slug, title, description, body, author_id, created_at, updated_at)
                SELECT gen_random_uuid(), 'narwhal-' || i, 'Narwhal ' || i, 'd', 'b', a.author_id, now() + make_interval(secs => i), now() + make_interval(secs => i)
                FROM generate_series(1, \(ArticleSearch.candidates + 10)) AS i, (SELECT author_id FROM articles LIMIT 1) a
                """,
                logger: Logger(label: "test")
            )
            let found = try await Self.search(posts, "search=narwhal&limit=3")
            #expect(found.articlesCount == ArticleSearch.candidates)
            let newest = ArticleSearch.candidates + 10
            #expect(found.articles.map(\.slug) == ["narwhal-\(newest)", "narwhal-\(newest - 1)", "narwhal-\(newest - 2)"])
            let last = try await Self.search(posts, "search=narwhal&offset=\(ArticleSearch.candidates - 1)")
            #expect(last.articles.map(\.slug) == ["narwhal-11"] && last.articlesCount == ArticleSearch.candidates)
            #expect(try await Self.search(posts, "search=narwhal&offset=\(ArticleSearch.candidates)").articlesCount == ArticleSearch.candidates)
            // Narrowed by another filter or by other words, older matches are candidates again.
            #expect(try await Self.search(posts, "search=narwhal&tag=oldest").articles.map(\.slug) == [first.slug])
            #expect(try await Self.search(posts, "search=narwhal%20anchor").articles.map(\.slug) == [first.slug])
        }
    }
}

/// A hit whose body holds none of the words (they are in its title, say) has its body's opening
/// as its excerpt.
@Suite struct SearchOpeningTests {
    @Test func anOpeningIsCutAfterItsLastWholeWordAndEscaped() {
        #expect(ArticleSearch.openingHTML("Short <b>and</b>\n\nsweet.") == "Short &lt;b&gt;and&lt;/b&gt; sweet.")
        let long = String(repeating: "word ", count: 40) + "cut"
        #expect(long.count == ArticleSearch.openingLength + 3)
        let opening = ArticleSearch.openingHTML(String(long.prefix(ArticleSearch.openingLength + 1)))
        #expect(opening == String(repeating: "word ", count: 40).trimmingCharacters(in: .whitespaces) + " …")
        let cutInAWord = ArticleSearch.openingHTML(String(repeating: "x", count: 150) + " " + String(repeating: "y", count: 50))
        #expect(cutInAWord == String(repeating: "x", count: 150) + " …")
        #expect(ArticleSearch.openingHTML(String(repeating: "z", count: 201)) == String(repeating: "z", count: 201) + " …")
    }
}
