import Hummingbird

/// The request context every service uses.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The largest request body a handler decodes; set from the configuration by ``RequestLimitsMiddleware``.
    public var maxUploadSize: Int
    /// The request's id: the client's `X-Request-ID`, or one made by ``RequestIDMiddleware``.
    public var requestID: String
    /// The signed-in user, set by ``TokenAuthenticationMiddleware``.
    public var identity: AuthenticatedUser?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.maxUploadSize = 1 << 20
        self.requestID = ""
        self.identity = nil
    }

    public var requestDecoder: ConduitRequestDecoder { ConduitRequestDecoder() }
}
