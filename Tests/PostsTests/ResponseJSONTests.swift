import ConduitContract
import Foundation
import HTTPKit
import TestSupport
import Testing

@testable import Posts

/// Articles and tags write their JSON themselves; it must say what their `Encodable` says.
@Suite struct ResponseJSONTests {
    static func article(body: String?) -> ArticleView {
        ArticleView(
            slug: "how-to-train-your-dragon", title: "How to \"train\" your dragon", description: "Ever wonder how?\n", body: body,
            tagList: ["dragons", "training", "中文"], createdAt: "2016-02-18T03:22:56.637Z", updatedAt: "2016-02-18T03:48:35.824Z",
            favorited: true, favoritesCount: 3,
            author: Profile(username: "jake", bio: "I work at statefarm", image: "https://i.stack.imgur.com/xHWG8.jpg", following: false)
        )
    }

    @Test func articlesListsAndTagsWriteWhatTheyEncode() throws {
        let withBody = Self.article(body: "It takes a Jacobian\\ \u{1}")
        let withoutBody = Self.article(body: nil)
        try expectSame(withBody)
        try expectSame(withoutBody)
        try expectSame(SingleArticleResponse(article: withBody))
        try expectSame(MultipleArticlesResponse(articles: [withoutBody, withoutBody], articlesCount: 100_000))
        try expectSame(MultipleArticlesResponse(articles: [], articlesCount: 0))
        var hit = withoutBody
        hit.excerpt = "… the <mark>dragon</mark> &amp; its &lt;rider&gt; …"
        try expectSame(MultipleArticlesResponse(articles: [hit], articlesCount: 1))
        try expectSame(TagsResponse(tags: ["dragons", "training"]))
        try expectSame(TagsResponse(tags: []))
        #expect(!jsonWritten(withoutBody).contains("\"body\""), "lists leave the body out")
    }

    func expectSame(_ value: some JSONWritable & Encodable) throws {
        let (written, encoded) = try jsonWrittenBothWays(value)
        #expect(written == encoded, "\(jsonWritten(value))")
    }
}
