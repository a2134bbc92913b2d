import HTTPKit
import HTTPTypes
import Hummingbird

/// Turns every error into a page that says what happened, in the site's layout: a service that
/// cannot be reached is a 503 page naming it, never a 500; a token a service refused signs the
/// visitor out and sends them to the sign-in page. Internals go to the log with the request id,
/// which the page shows.
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let site: Site

    struct ErrorView: Sendable {
        let heading: String
        let message: String
        let details: [String]
        let hasDetails: Bool
        let requestID: String
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return response(for: error, request, context)
        }
    }

    func response(for error: any Error, _ request: Request, _ context: Context) -> Response {
        let visit = site.visit(request, context)
        let status: HTTPResponse.Status
        let heading: String
        var message: String
        var details: [String] = []
        var headers: HTTPFields = [:]
        switch error {
        case WebError.signInRequired:
            return site.redirect(to: "/login", visit)
        case let error as APIError where error.status == 401:
            // The token was refused (expired, or ended by a password change): the session is over.
            context.logger.info("a service refused the session's token", metadata: ["service": "\(error.service)"])
            return site.redirect(to: "/login", visit, session: site.cookies.clearedSession())
        case WebError.crossSite:
            status = .forbidden
            heading = "This form could not be accepted"
            message = "It did not come from this site’s own pages, or it was made for an earlier session. Go back, reload the page and try again."
        case WebError.forbidden(let reason):
            (status, heading, message) = (.forbidden, "Not allowed", reason)
        case let error as APIError where error.status == 403:
            (status, heading, message) = (.forbidden, "Not allowed", "You are not allowed to do that.")
        case WebError.notFound:
            (status, heading, message) = Self.notFound
        case let error as APIError where error.status == 404:
            (status, heading, message) = Self.notFound
        case let error as HTTPError where error.status == .notFound:
            (status, heading, message) = Self.notFound
        case let error as HTTPError where error.status == .methodNotAllowed:
            (status, heading, message) = (.methodNotAllowed, "Not possible here", "This page cannot be used that way.")
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            (status, heading, message) = (.contentTooLarge, "Too large", "What you sent is larger than this site accepts.")
        case let error as HTTPError where (400..<500).contains(error.status.code):
            (status, heading, message) = (error.status, "That request could not be read", error.body ?? "")
        case WebError.badRequest(let reason):
            (status, heading, message) = (.badRequest, "That request could not be read", reason)
        case let error as APIError where error.status == 429:
            (status, heading, message) = (.tooManyRequests, "Too many requests", "Wait a moment and try again.")
            if let wait = error.retryAfter { headers[.retryAfter] = wait }
        case let error as APIError where (400..<500).contains(error.status):
            (status, heading, message) = (.badRequest, "That request was not accepted", "The \(error.service) service refused it:")
            details = error.messages
        case let error as APIError:
            context.logger.error("a service answered unexpectedly", metadata: ["error": "\(error)"])
            (status, heading, message) = (
                .badGateway, "Something went wrong", "The \(error.service) service answered unexpectedly. Try again in a moment."
            )
        case let error as ConduitError where error.status == .serviceUnavailable:
            (status, heading, message) = (
                .serviceUnavailable, "Temporarily unavailable",
                Self.sentence(error.errors.values.first?.first ?? "a service is unavailable, try again")
            )
            headers[.retryAfter] = "5"
        case let error as ConduitError where (400..<500).contains(error.status.code):
            (status, heading, message) = (.badRequest, "That request could not be read", "")
            details = error.errors.sorted { $0.key < $1.key }.flatMap { field, messages in messages.map { "\(field) \($0)" } }
        default:
            context.logger.error("page failed", metadata: ["error": "\(String(reflecting: error))"])
            (status, heading, message) = (.internalServerError, "Something went wrong", "The page could not be made. Try again in a moment.")
        }
        if status.code >= 500 { message += " (Request id \(context.requestID).)" }
        let view = ErrorView(heading: heading, message: message, details: details, hasDetails: !details.isEmpty, requestID: context.requestID)
        var response = site.page("error", title: heading, content: view, visit, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    private static let notFound: (HTTPResponse.Status, String, String) = (
        .notFound, "Page not found", "There is nothing here. It may have been deleted, or the address may be mistyped."
    )

    private static func sentence(_ text: String) -> String {
        (text.prefix(1).uppercased() + text.dropFirst()).replacingOccurrences(of: ", try again", with: ". Try again in a moment.")
    }
}
