import AsyncHTTPClient
import HTTPKit
import HTTPTypes
import Hummingbird
import Logging
import ServiceCore
import ServiceLifecycle

/// The web service is built from the shared pieces it needs (configuration, logs, request ids,
/// metrics, health), not from a ``ServiceCore`` value, which brings a database: web has none.
func buildApplication(_ configuration: ServiceConfiguration, _ web: WebConfiguration) throws -> some ApplicationProtocol {
    let logger = Logger.service(configuration)
    // Before the HTTP client is made: AsyncHTTPClient takes the tracer then.
    let traceExport = TraceExport.bootstrap(configuration, logger: logger)
    let httpClient = ServiceClient.makeHTTPClient(connectTimeout: web.apiConnectTimeout)
    let site = Site(api: API(web, httpClient: httpClient), templates: try Templates(), cookies: SessionCookies(secure: web.secureCookies))
    return Application(
        router: buildRouter(configuration, site: site),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
        services: [traceExport].compactMap { $0 } + [AllocatorTrim(), HTTPClientShutdown(client: httpClient)],
        logger: logger
    )
}

/// The pages' Content-Security-Policy: no script at all, styles and images only from this site
/// (images also from http and https addresses, for authors' pictures and images in articles), forms
/// only to this site, no framing, no `<base>`.
let pagePolicy: ContentSecurityPolicy = [
    .defaultSrc(.none), .styleSrc(.self), .imgSrc(.self, .scheme(.https), .scheme(.http)),
    .formAction(.self), .frameAncestors(.none), .baseURI(.none),
]

func buildRouter(_ configuration: ServiceConfiguration, site: Site) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.addMiddleware {
        if configuration.tracesEndpoint != nil { TracingMiddleware() }
        RequestIDMiddleware()
        RequestMetricsMiddleware()
        AccessLogMiddleware()
        // Outside the error pages, so that they carry the headers too.
        ContentSecurityMiddleware(contentSecurityPolicy: pagePolicy)
        ReferrerPolicyMiddleware()
        PageErrorMiddleware(site: site)
        RequestLimitsMiddleware(maxBodyBytes: configuration.maxBodyBytes)
        NullCharacterMiddleware()
    }
    // Web depends on nothing of its own: it is ready when it answers. (A service it calls that is
    // down gives pages that say so; taking web out of the load balancer would not help.)
    HealthController(checks: [], timeout: configuration.readinessTimeout).addRoutes(to: router)
    PrometheusMetrics.addRoutes(to: router)
    Assets.addRoutes(to: router, templates: site.templates)
    HomeController(site: site).addRoutes(to: router)
    AccountController(site: site).addRoutes(to: router)
    EditorController(site: site).addRoutes(to: router)
    ArticleController(site: site).addRoutes(to: router)
    ProfileController(site: site).addRoutes(to: router)
    NotificationsController(site: site).addRoutes(to: router)
    SearchController(site: site).addRoutes(to: router)
    FeedController(site: site).addRoutes(to: router)
    StatsController(site: site).addRoutes(to: router)
    return router
}

/// `Referrer-Policy: same-origin`: no address of the site leaves it in a `Referer`, and the site's
/// own forms are sent with their `Origin` (under `no-referrer`, browsers send `Origin: null`), which
/// the CSRF check reads.
struct ReferrerPolicyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return response
    }
}
