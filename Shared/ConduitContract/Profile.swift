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

public struct ProfileResponse: Codable, Sendable, Equatable {
    public var profile: Profile

    public init(profile: Profile) { self.profile = profile }
}
