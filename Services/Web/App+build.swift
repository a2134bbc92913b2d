import AsyncHTTPClient
import HTTPCore
import HTTPKit
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle

/// Web is built on HTTPCore alone (configuration, logs, request ids, metrics, health): it keeps no
/// data and calls the other services' APIs.
func buildApplication(_ configuration: HTTPConfiguration, _ web: WebConfiguration) throws -> some ApplicationProtocol {
    // First: it bootstraps the tracer, which AsyncHTTPClient takes when a client is made.
    let http = HTTPService(configuration: configuration)
    let httpClient = ServiceClient.makeHTTPClient(connectTimeout: web.apiConnectTimeout)
    let site = Site(api: API(web, httpClient: httpClient), templates: try Templates(), cookies: SessionCookies(secure: web.secureCookies))
    return http.makeApplication(router: buildRouter(http, site: site), services: [HTTPClientShutdown(client: httpClient)])
}

/// The pages' Content-Security-Policy: no script at all, styles and images only from this site
/// (images also from http and https addresses, for authors' pictures and images in articles), forms
/// only to this site, no framing, no `<base>`.
let pagePolicy: ContentSecurityPolicy = [
    .defaultSrc(.none), .styleSrc(.self), .imgSrc(.self, .scheme(.https), .scheme(.http)),
    .formAction(.self), .frameAncestors(.none), .baseURI(.none),
]

func buildRouter(_ http: HTTPService, site: Site) -> Router<AppRequestContext> {
    let router = http.makeRouter {
        // Outside the error pages, so that they carry the headers too.
        ContentSecurityMiddleware(contentSecurityPolicy: pagePolicy)
        ReferrerPolicyMiddleware()
        PageErrorMiddleware(site: site)
    }
    // Web depends on nothing of its own: it is ready when it answers. (A service it calls that is
    // down gives pages that say so; taking web out of the load balancer would not help.)
    http.addHealthAndMetricsRoutes(to: router, checks: [])
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
