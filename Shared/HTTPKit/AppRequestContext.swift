import Foundation
import Hummingbird

/// The request context every service uses.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The largest request body a handler decodes; set from the configuration by ``RequestLimitsMiddleware``.
    public var maxUploadSize: Int
    /// The request's id: the client's `X-Request-ID`, or one made by ``RequestIDMiddleware``.
    public var requestID: String
    /// The signed-in user, set by the token middleware (Authentication's `TokenAuthenticationMiddleware`).
    public var identity: AuthenticatedUser?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.maxUploadSize = 1 << 20
        self.requestID = ""
        self.identity = nil
    }

    public var requestDecoder: ConduitRequestDecoder { ConduitRequestDecoder() }
    public var responseEncoder: ConduitResponseEncoder { ConduitResponseEncoder() }
}

extension AppRequestContext {
    /// The signed-in user; a 401 when the route's middleware let an anonymous request through.
    public func requireIdentity() throws -> AuthenticatedUser {
        guard let identity else { throw ConduitError.unauthorized() }
        return identity
    }
}

/// The signed-in user, as their access token names them.
public struct AuthenticatedUser: Sendable, Equatable {
    public let id: UUID
    public let username: String
    /// The token as the client sent it; Conduit echoes it in `GET /api/user`.
    public let token: String

    public init(id: UUID, username: String, token: String) {
        self.id = id
        self.username = username
        self.token = token
    }
}
