/// A user as Conduit shows them to others, with whether the caller follows them.
public struct Profile: Codable, Sendable, Equatable {
    public var username: String
    public var bio: String
    public var image: String
    public var following: Bool

    public init(username: String, bio: String, image: String, following: Bool) {
        self.username = username
        self.bio = bio
        self.image = image
        self.following = following
    }
}

extension Profile: JSONWritable {
    public func write(to json: inout JSONOutput) {
        json.object { json in
            json.field("username", username)
            json.field("bio", bio)
            json.field("image", image)
            json.field("following", following)
        }
    }
}
