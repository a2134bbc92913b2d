/// The signed-in user as Conduit shows them to themselves, with their token.
public struct User: Codable, Sendable, Equatable {
    public var email: String
    public var token: String
    public var username: String
    public var bio: String
    public var image: String

    public init(email: String, token: String, username: String, bio: String, image: String) {
        self.email = email
        self.token = token
        self.username = username
        self.bio = bio
        self.image = image
    }
}

public struct UserResponse: Codable, Sendable, Equatable {
    public var user: User

    public init(user: User) { self.user = user }
}
