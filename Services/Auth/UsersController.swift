import Authentication
import Basics
import ConduitContract
import Foundation
import HTTPKit
import Hummingbird

/// Registration, login and the signed-in user: `POST /api/users`, `POST /api/users/login`,
/// `GET /api/user`, `PUT /api/user`.
struct UsersController: Sendable {
    let repository: UserRepository
    let hasher: PasswordHasher
    let tokens: TokenIssuer
    let verifier: TokenVerifier
    let throttle: LoginThrottle
    let push: ProjectionPush

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.post("users", use: register)
        routes.post("users/login", use: login)
        routes.group("user")
            .add(middleware: verifier.required)
            .get(use: current)
            .put(use: update)
        return routes
    }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<UserResponse> {
        let body = try await request.decode(as: NewUserRequest.self, context: context).user
        var errors = FieldErrors()
        UserValidation.username(body.username, into: &errors)
        UserValidation.email(body.email, into: &errors)
        UserValidation.password(body.password, into: &errors)
        try errors.throwIfAny()
        try await repository.taken(email: body.email, username: body.username, logger: context.logger).throwIfAny()

        let user = try await repository.create(
            UserRecord(
                id: UUID.random(), username: body.username, email: body.email, passwordHash: try await hasher.hash(body.password), bio: "", image: ""),
            logger: context.logger
        )
        context.logger.info("user registered", metadata: ["user_id": "\(user.id)"])
        return EditedResponse(status: .created, response: UserResponse(user, token: try await tokens.issue(for: user)))
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> UserResponse {
        let body = try await request.decode(as: LoginRequest.self, context: context).user
        var errors = FieldErrors()
        errors.check("email", body.email, length: UserValidation.emailLength, maximumBytes: UserValidation.emailLength.upperBound)
        if body.password.isEmpty { errors.add("password", "can't be blank") }
        try errors.throwIfAny()
        try await throttle.checkAllowed(email: body.email, logger: context.logger)

        let user = try await repository.find(email: body.email, logger: context.logger)
        let matches =
            if let user { try await hasher.verify(body.password, against: user.passwordHash) } else {
                try await hasher.verifyAgainstDecoy(body.password)
            }
        guard let user, matches else {
            try await throttle.recordFailure(email: body.email, logger: context.logger)
            throw Self.invalidCredentials
        }
        try await throttle.recordSuccess(email: body.email, logger: context.logger)
        return UserResponse(user, token: try await tokens.issue(for: user))
    }

    /// Conduit's message for a login that fails, whether the email or the password was wrong.
    static let invalidCredentials = ConduitError(.unauthorized, field: "email or password", "is invalid")

    @Sendable func current(_ request: Request, context: AppRequestContext) async throws -> UserResponse {
        let identity = try context.requireIdentity()
        guard let user = try await repository.find(id: identity.id, logger: context.logger) else { throw Self.userGone }
        return UserResponse(user, token: identity.token)
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> UserResponse {
        let identity = try context.requireIdentity()
        let changes = try await request.decode(as: UpdateUserRequest.self, context: context).user
        var errors = FieldErrors()
        if let username = changes.username { UserValidation.username(username, into: &errors) }
        if let email = changes.email { UserValidation.email(email, into: &errors) }
        if let password = changes.password { UserValidation.password(password, into: &errors) }
        if let bio = changes.bio { UserValidation.bio(bio, into: &errors) }
        if let image = changes.image { UserValidation.image(image, into: &errors) }
        try errors.throwIfAny()
        if changes.email != nil || changes.username != nil {
            try await repository.taken(email: changes.email, username: changes.username, except: identity.id, logger: context.logger).throwIfAny()
        }
        let passwordHash: String? = if let password = changes.password { try await hasher.hash(password) } else { nil }
        // Whole milliseconds, so that the time survives every way it is stored and sent.
        let revocationTime = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)

        let result = try await repository.update(id: identity.id, logger: context.logger) { user in
            // A new password or email ends the sessions of every token issued before.
            if passwordHash != nil || (changes.email.map { $0 != user.email } ?? false) { user.tokensValidAfter = revocationTime }
            if let username = changes.username { user.username = username }
            if let email = changes.email { user.email = email }
            if let passwordHash { user.passwordHash = passwordHash }
            if let bio = changes.bio { user.bio = bio }
            if let image = changes.image { user.image = image }
        }
        guard let (updated, events) = result else { throw Self.userGone }
        await push.push(events, logger: context.logger)
        // The username is a claim of the token, and a revocation ends the old one: either gets a new token.
        let keepsToken = updated.username == identity.username && updated.tokensValidAfter != revocationTime
        let token = keepsToken ? identity.token : try await tokens.issue(for: updated)
        return UserResponse(updated, token: token)
    }

    /// A valid token whose user no longer exists.
    static let userGone = ConduitError(.notFound, field: "user", "not found")
}
