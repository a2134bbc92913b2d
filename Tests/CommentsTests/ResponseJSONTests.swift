import ConduitContract
import Foundation
import HTTPKit
import TestSupport
import Testing

@testable import Comments

/// Comments write their JSON themselves; it must say what their `Encodable` says.
@Suite struct ResponseJSONTests {
    @Test func commentsWriteWhatTheyEncode() throws {
        let comment = CommentView(
            id: 1, createdAt: "2016-02-18T03:22:56.637Z", updatedAt: "2016-02-18T03:22:56.637Z", body: "It takes a \"Jacobian\"\n",
            author: Profile(username: "jake", bio: "I work at statefarm", image: "https://i.stack.imgur.com/xHWG8.jpg", following: true)
        )
        for value in [MultipleCommentsResponse(comments: [comment, comment]), MultipleCommentsResponse(comments: [])] {
            let (written, encoded) = try jsonWrittenBothWays(value)
            #expect(written == encoded, "\(jsonWritten(value))")
        }
        let (written, encoded) = try jsonWrittenBothWays(SingleCommentResponse(comment: comment))
        #expect(written == encoded)
    }
}
