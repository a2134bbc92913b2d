import Basics
import ConduitContract
import Foundation

// What the templates show. Templates reach fields by name through the context stack, and a
// missing (nil) value makes Mustache look further up the stack, so optional values are
// avoided: a flag says whether a value is there.

struct Viewer: Sendable {
    let username: String
    let profilePath: String
}

struct Link: Sendable {
    let label: String
    let href: String
    let isCurrent: Bool
}

struct DateView: Sendable {
    /// For the `datetime` attribute.
    let iso: String
    let text: String

    /// `iso` is the services' timestamp (`2025-11-26T12:25:00.000Z`); its date is shown, in UTC.
    init(_ iso: String) {
        self.iso = iso
        let parts = iso.prefix(10).split(separator: "-").compactMap { Int($0) }
        if parts.count == 3, (1...12).contains(parts[1]) {
            text = "\(Self.months[parts[1] - 1]) \(parts[2]), \(parts[0])"
        } else {
            text = iso
        }
    }

    private static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]
}

struct AuthorView: Sendable {
    let username: String
    let profilePath: String
    let avatarURL: String
    let hasAvatar: Bool

    init(_ profile: Profile) {
        username = profile.username
        profilePath = Paths.profile(profile.username)
        let image = profile.image.isEmpty ? nil : SafeHTML.url(profile.image, schemes: SafeHTML.imageSchemes)
        avatarURL = image ?? ""
        hasAvatar = image != nil
    }
}

struct TagLink: Sendable {
    let name: String
    let href: String

    init(_ name: String) {
        self.name = name
        self.href = Paths.home(tag: name)
    }
}

/// A favorite (or unfavorite) button: a form of its own, or, for a visitor who is not signed in,
/// the count alone.
struct FavoriteButton: Sendable {
    let action: String
    let favorited: Bool
    let count: Int
    let canToggle: Bool
    let accessibleLabel: String

    init(_ article: ArticleView, signedIn: Bool) {
        let path = Paths.article(article.slug)
        action = path + (article.favorited ? "/unfavorite" : "/favorite")
        favorited = article.favorited
        count = article.favoritesCount
        canToggle = signedIn
        let times = article.favoritesCount == 1 ? "1 favorite" : "\(article.favoritesCount) favorites"
        accessibleLabel = (article.favorited ? "Unfavorite" : "Favorite") + " “\(article.title)” (\(times))"
    }
}

struct FollowButton: Sendable {
    let action: String
    let following: Bool
    let label: String

    init(username: String, following: Bool) {
        action = Paths.profile(username) + (following ? "/unfollow" : "/follow")
        self.following = following
        label = (following ? "Unfollow " : "Follow ") + username
    }
}

struct ArticlePreview: Sendable {
    let path: String
    let title: String
    let description: String
    /// A search hit's excerpt: HTML in which the only elements are the `<mark>`s of the words found.
    let excerptHTML: String
    let hasExcerpt: Bool
    let tags: [TagLink]
    let author: AuthorView
    let date: DateView
    let favorite: FavoriteButton

    init(_ article: ArticleView, signedIn: Bool) {
        path = Paths.article(article.slug)
        title = article.title
        description = article.description
        excerptHTML = article.excerpt.map { SafeHTML.sanitize($0, allowing: ["mark"]) } ?? ""
        hasExcerpt = !excerptHTML.isEmpty
        tags = article.tagList.map(TagLink.init)
        author = AuthorView(article.author)
        date = DateView(article.createdAt)
        favorite = FavoriteButton(article, signedIn: signedIn)
    }
}

/// Numbered page links around the current page, with the first and the last.
struct Pagination: Sendable {
    struct PageLink: Sendable {
        let number: Int
        let href: String
        let isCurrent: Bool
        let isGap: Bool
    }
    let pages: [PageLink]
    let hasPrevious: Bool
    let previousHref: String
    let hasNext: Bool
    let nextHref: String

    /// Nil when everything fits on one page.
    init?(current: Int, total: Int, perPage: Int, href: (Int) -> String) {
        let count = (total + perPage - 1) / perPage
        guard count > 1 else { return nil }
        var numbers = Set([1, count])
        for number in (current - 2)...(current + 2) where (1...count).contains(number) { numbers.insert(number) }
        var pages: [PageLink] = []
        var previous = 0
        for number in numbers.sorted() {
            if number > previous + 1 { pages.append(PageLink(number: 0, href: "", isCurrent: false, isGap: true)) }
            pages.append(PageLink(number: number, href: href(number), isCurrent: number == current, isGap: false))
            previous = number
        }
        self.pages = pages
        hasPrevious = current > 1
        previousHref = hasPrevious ? href(current - 1) : ""
        hasNext = current < count
        nextHref = hasNext ? href(current + 1) : ""
    }
}

/// A form field with its label, its value as sent, and the messages about it.
struct FieldView: Sendable {
    let id: String
    let name: String
    let label: String
    let value: String
    let type: String
    let autocomplete: String
    let hasAutocomplete: Bool
    let fieldHint: String
    let hasHint: Bool
    let multiline: Bool
    let rows: Int
    let required: Bool
    let errors: [String]
    let hasErrors: Bool
    /// The ids of the hint and the errors, for `aria-describedby`.
    let describedBy: String
    let isDescribed: Bool

    init(
        _ name: String, label: String, value: String = "", type: String = "text", autocomplete: String = "", hint: String = "",
        rows: Int = 0, required: Bool = false, errors: [String] = []
    ) {
        self.id = "field-" + name
        self.name = name
        self.label = label
        self.value = value
        self.type = type
        self.autocomplete = autocomplete
        hasAutocomplete = !autocomplete.isEmpty
        fieldHint = hint
        hasHint = !hint.isEmpty
        multiline = rows > 0
        self.rows = rows
        self.required = required
        self.errors = errors
        hasErrors = !errors.isEmpty
        describedBy = [hint.isEmpty ? nil : id + "-hint", errors.isEmpty ? nil : id + "-errors"].compactMap { $0 }.joined(separator: " ")
        isDescribed = !describedBy.isEmpty
    }
}

/// A form's messages: those about one of its fields go next to it, the others above the form.
struct FormErrors: Sendable {
    private(set) var byField: [String: [String]] = [:]
    private(set) var general: [String] = []

    init() {}

    /// - Parameter labels: the form's fields and their labels; a message about another field is general.
    init(_ error: APIError, labels: [String: String]) {
        for (field, messages) in error.errors.sorted(by: { $0.key < $1.key }) {
            if let label = labels[field] {
                byField[field, default: []] += messages.map { "\(label) \($0)" }
            } else {
                general += messages.map { field == "body" ? Self.sentence($0) : Self.sentence("\(field) \($0)") }
            }
        }
        if error.status == 429 {
            let wait = error.retryAfter.map { " (about \($0) s)" } ?? ""
            general.append("Too many attempts. Wait a moment\(wait) and try again.")
        }
    }

    init(general message: String) {
        general = [message]
    }

    func field(_ name: String) -> [String] { byField[name] ?? [] }

    private static func sentence(_ text: String) -> String {
        text.prefix(1).uppercased() + text.dropFirst()
    }
}

/// The site's paths, with their variable parts percent-encoded.
enum Paths {
    static func article(_ slug: String) -> String { "/article/" + slug.urlComponentEncoded }
    static func editor(_ slug: String) -> String { "/editor/" + slug.urlComponentEncoded }
    static func profile(_ username: String) -> String { "/profile/" + username.urlComponentEncoded }

    static func search(_ words: String, page: Int = 1) -> String {
        "/search?q=" + words.urlComponentEncoded + (page > 1 ? "&page=\(page)" : "")
    }

    /// The blog's Atom feed, or, like the home page with `?tag=`, a tag's.
    static func feed(tag: String? = nil) -> String { "/feed.atom" + (tag.map { "?tag=" + $0.urlComponentEncoded } ?? "") }
    static func profileFeed(_ username: String) -> String { profile(username) + "/feed.atom" }

    static func home(tag: String? = nil, feed: Bool = false, page: Int = 1) -> String {
        var query: [String] = []
        if feed { query.append("feed=following") }
        if let tag { query.append("tag=" + tag.urlComponentEncoded) }
        if page > 1 { query.append("page=\(page)") }
        return query.isEmpty ? "/" : "/?" + query.joined(separator: "&")
    }

    /// `path` when it is a path of this site (so that a form cannot send the visitor elsewhere), else `fallback`.
    static func local(_ path: String?, fallback: String = "/") -> String {
        guard let path, path.hasPrefix("/"), !path.hasPrefix("//"), !path.hasPrefix("/\\"), path.utf8.count <= 2048,
            path.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { return fallback }
        return path
    }
}
