import ConduitContract
import Events
import Foundation
import HTTPKit
import Hummingbird

// Request and response bodies, as Conduit's openapi.yml names them.

struct NewUserRequest: Decodable {
    struct NewUser: Decodable {
        var username: String
        var email: String
        var password: String
    }
    var user: NewUser
}

struct LoginRequest: Decodable {
    struct Credentials: Decodable {
        var email: String
        var password: String
    }
    var user: Credentials
}

struct UpdateUserRequest: Decodable {
    struct Changes: Decodable {
        var username: String?
        var email: String?
        var password: String?
        var bio: String?
        var image: String?
    }
    var user: Changes
}

extension UserResponse: ResponseEncodable {
    init(_ record: UserRecord, token: String) {
        self.init(user: User(email: record.email, token: token, username: record.username, bio: record.bio, image: record.image))
    }
}

extension ProfileResponse: ResponseEncodable {}

/// A row of `users`.
struct UserRecord: Sendable, Equatable {
    var id: UUID
    var username: String
    var email: String
    var passwordHash: String
    var bio: String
    var image: String
    /// Tokens issued before this time are revoked: set when the password or the email changes.
    var tokensValidAfter: Date? = nil

    var event: UserProfile {
        UserProfile(
            userID: id, username: username, email: email, bio: bio.isEmpty ? nil : bio, image: image.isEmpty ? nil : image,
            tokensValidAfter: tokensValidAfter
        )
    }

    func profile(following: Bool) -> Profile {
        Profile(username: username, bio: bio, image: image, following: following)
    }
}
