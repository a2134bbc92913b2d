import ConduitContract
import Foundation
import HTTPKit
import HTTPTypes
import Hummingbird

/// Signing up, signing in and out, and the signed-in user's settings.
struct AccountController: Sendable {
    let site: Site

    /// The sign-in and sign-up pages share one template.
    struct AccountView: Sendable {
        let heading: String
        let action: String
        let submitLabel: String
        let otherPage: Link
        let fields: [FieldView]
        let formErrors: [String]
        let hasFormErrors: Bool
    }

    struct SettingsView: Sendable {
        let fields: [FieldView]
        let formErrors: [String]
        let hasFormErrors: Bool
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/login") { request, context in
            loginPage(site.visit(request, context))
        }
        router.post("/login", use: login)
        router.get("/register") { request, context in
            registerPage(site.visit(request, context))
        }
        router.post("/register", use: register)
        router.post("/logout", use: logout)
        router.get("/settings", use: settings)
        router.post("/settings", use: updateSettings)
    }

    // MARK: sign in

    func loginPage(_ visit: Visit, email: String = "", errors: FormErrors = FormErrors(), status: HTTPResponse.Status = .ok) -> Response {
        let view = AccountView(
            heading: "Sign in", action: "/login", submitLabel: "Sign in",
            otherPage: Link(label: "Need an account?", href: "/register", isCurrent: false),
            fields: [
                FieldView("email", label: "Email", value: email, type: "email", autocomplete: "email", required: true, errors: errors.field("email")),
                FieldView(
                    "password", label: "Password", type: "password", autocomplete: "current-password", required: true,
                    errors: errors.field("password")),
            ],
            formErrors: errors.general, hasFormErrors: !errors.general.isEmpty
        )
        return site.page("account", title: "Sign in", content: view, visit, status: status, current: .login)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        let form = try await site.form(request, context, visit)
        let email = form["email"] ?? ""
        do {
            let user = try await site.api.login(email: email, password: form["password"] ?? "", visit.anonymous)
            return signIn(user, visit, goingTo: "/")
        } catch let error as APIError where [401, 422, 429].contains(error.status) {
            let errors = FormErrors(error, labels: ["email": "Email", "password": "Password"])
            return loginPage(visit, email: email, errors: errors, status: error.status == 429 ? .tooManyRequests : .unprocessableContent)
        }
    }

    // MARK: sign up

    func registerPage(
        _ visit: Visit, username: String = "", email: String = "", errors: FormErrors = FormErrors(), status: HTTPResponse.Status = .ok
    ) -> Response {
        let view = AccountView(
            heading: "Sign up", action: "/register", submitLabel: "Sign up",
            otherPage: Link(label: "Have an account?", href: "/login", isCurrent: false),
            fields: [
                FieldView(
                    "username", label: "Username", value: username, autocomplete: "username",
                    hint: "Letters, digits, '_', '-' and '.'.", required: true, errors: errors.field("username")
                ),
                FieldView("email", label: "Email", value: email, type: "email", autocomplete: "email", required: true, errors: errors.field("email")),
                FieldView(
                    "password", label: "Password", type: "password", autocomplete: "new-password", hint: "At least 8 characters.",
                    required: true, errors: errors.field("password")
                ),
            ],
            formErrors: errors.general, hasFormErrors: !errors.general.isEmpty
        )
        return site.page("account", title: "Sign up", content: view, visit, status: status, current: .register)
    }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        let form = try await site.form(request, context, visit)
        let username = form["username"] ?? ""
        let email = form["email"] ?? ""
        do {
            let user = try await site.api.register(username: username, email: email, password: form["password"] ?? "", visit.anonymous)
            return signIn(user, visit, goingTo: "/")
        } catch let error as APIError where [409, 422, 429].contains(error.status) {
            let errors = FormErrors(error, labels: ["username": "Username", "email": "Email", "password": "Password"])
            return registerPage(
                visit, username: username, email: email, errors: errors, status: error.status == 429 ? .tooManyRequests : .unprocessableContent)
        }
    }

    /// Keeps the user's token in the session cookie, which expires with it.
    private func signIn(_ user: User, _ visit: Visit, goingTo location: String) -> Response {
        let expires = TokenClaims(token: user.token)?.expires ?? Date().addingTimeInterval(3600)
        return site.redirect(to: location, visit, session: site.cookies.session(token: user.token, expires: expires))
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        _ = try await site.form(request, context, visit)
        return site.redirect(to: "/", visit, session: site.cookies.clearedSession())
    }

    // MARK: settings

    static let settingsLabels = ["image": "Picture URL", "username": "Username", "bio": "Bio", "email": "Email", "password": "New password"]

    func settingsPage(_ visit: Visit, values: [String: String], errors: FormErrors = FormErrors(), status: HTTPResponse.Status = .ok) -> Response {
        let labels = Self.settingsLabels
        let view = SettingsView(
            fields: [
                FieldView(
                    "image", label: labels["image"]!, value: values["image"] ?? "", type: "url", hint: "An http or https address.",
                    errors: errors.field("image")),
                FieldView(
                    "username", label: labels["username"]!, value: values["username"] ?? "", autocomplete: "username", required: true,
                    errors: errors.field("username")),
                FieldView("bio", label: labels["bio"]!, value: values["bio"] ?? "", rows: 6, errors: errors.field("bio")),
                FieldView(
                    "email", label: labels["email"]!, value: values["email"] ?? "", type: "email", autocomplete: "email", required: true,
                    errors: errors.field("email")),
                FieldView(
                    "password", label: labels["password"]!, type: "password", autocomplete: "new-password",
                    hint: "Leave empty to keep your password. Changing it signs out your other sessions.", errors: errors.field("password")
                ),
            ],
            formErrors: errors.general, hasFormErrors: !errors.general.isEmpty
        )
        return site.page("settings", title: "Settings", content: view, visit, status: status, current: .settings)
    }

    @Sendable func settings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        guard visit.session.isSignedIn else { throw WebError.signInRequired }
        let user = try await site.api.currentUser(visit.caller)
        return settingsPage(visit, values: ["image": user.image, "username": user.username, "bio": user.bio, "email": user.email])
    }

    @Sendable func updateSettings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        let form = try await site.form(request, context, visit)
        guard visit.session.isSignedIn else { throw WebError.signInRequired }
        var changes: [String: String] = [:]
        for field in ["image", "username", "bio", "email"] { changes[field] = form[field] ?? "" }
        if let password = form["password"], !password.isEmpty { changes["password"] = password }
        do {
            let user = try await site.api.updateUser(changes, visit.caller)
            return signIn(user, visit, goingTo: Paths.profile(user.username))
        } catch let error as APIError where [409, 422].contains(error.status) {
            let errors = FormErrors(error, labels: Self.settingsLabels)
            return settingsPage(visit, values: changes.filter { $0.key != "password" }, errors: errors, status: .unprocessableContent)
        }
    }
}
