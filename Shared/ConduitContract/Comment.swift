public struct CommentView: Codable, Sendable, Equatable {
    public var id: Int64
    public var createdAt: String
    public var updatedAt: String
    public var body: String
    public var author: Profile

    public init(id: Int64, createdAt: String, updatedAt: String, body: String, author: Profile) {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.body = body
        self.author = author
    }
}

public struct SingleCommentResponse: Codable, Sendable, Equatable {
    public var comment: CommentView

    public init(comment: CommentView) { self.comment = comment }
}

public struct MultipleCommentsResponse: Codable, Sendable, Equatable {
    public var comments: [CommentView]

    public init(comments: [CommentView]) { self.comments = comments }
}
