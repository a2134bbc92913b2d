import ConduitContract
import Events
import Foundation
import HTTPKit
import Hummingbird

// Request and response bodies, as Conduit's openapi.yml (v1.1.0) names them.

struct NewCommentRequest: Decodable {
    struct NewComment: Decodable {
        var body: String
    }
    var comment: NewComment
}

/// A comment as stored, with its author as the caller sees them.
struct CommentRecord: Sendable {
    var id: Int64
    var articleID: UUID
    var authorID: UUID
    var body: String
    var createdAt: Date
    var updatedAt: Date
    var author: Profile

    var view: CommentView {
        CommentView(id: id, createdAt: Timestamp.string(from: createdAt), updatedAt: Timestamp.string(from: updatedAt), body: body, author: author)
    }
}

extension CommentView: JSONWritable {
    public func write(to json: inout JSONOutput) {
        json.object { json in
            json.field("id", id)
            json.field("createdAt", createdAt)
            json.field("updatedAt", updatedAt)
            json.field("body", body)
            json.field("author", author)
        }
    }
}

extension SingleCommentResponse: ResponseEncodable, JSONWritable {
    public func write(to json: inout JSONOutput) {
        json.object { json in json.field("comment", comment) }
    }
}

extension MultipleCommentsResponse: ResponseEncodable, JSONWritable {
    public func write(to json: inout JSONOutput) {
        json.object { json in json.field("comments", comments) }
    }
}
