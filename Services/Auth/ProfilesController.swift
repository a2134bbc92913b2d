import Authentication
import ConduitContract
import HTTPKit
import Hummingbird

/// `GET /api/profiles/{username}` (token optional) and `POST`/`DELETE /api/profiles/{username}/follow`.
struct ProfilesController: Sendable {
    let repository: UserRepository
    let verifier: TokenVerifier
    let push: ProjectionPush

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.group("profiles/:username")
            .add(middleware: HTTPCachingMiddleware())
            .add(middleware: verifier.optional)
            .get(use: show)
        routes.group("profiles/:username/follow")
            .add(middleware: verifier.required)
            .post(use: follow)
            .delete(use: unfollow)
        return routes
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> ProfileResponse {
        let username = try context.parameters.require("username")
        guard let (user, following) = try await repository.profile(username: username, viewer: context.identity?.id, logger: context.logger) else {
            throw ConduitError.notFound("profile")
        }
        return ProfileResponse(profile: user.profile(following: following))
    }

    @Sendable func follow(_ request: Request, context: AppRequestContext) async throws -> ProfileResponse {
        try await change(.follow, request: request, context: context)
    }

    @Sendable func unfollow(_ request: Request, context: AppRequestContext) async throws -> ProfileResponse {
        try await change(.unfollow, request: request, context: context)
    }

    private func change(_ change: UserRepository.FollowChange, request: Request, context: AppRequestContext) async throws -> ProfileResponse {
        let identity = try context.requireIdentity()
        let username = try context.parameters.require("username")
        guard
            let (followee, events) = try await repository.setFollow(
                change, follower: identity.id, username: username, logger: context.logger)
        else {
            throw ConduitError.notFound("profile")
        }
        await push.push(events, logger: context.logger)
        return ProfileResponse(profile: followee.profile(following: change == .follow))
    }
}
