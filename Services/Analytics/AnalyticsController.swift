import Authentication
import ConduitContract
import Foundation
import HTTPKit
import Hummingbird

/// `GET /api/analytics` (the signed-in author's numbers) and `GET /api/analytics/articles/{slug}`
/// (one of their articles'; anyone else's is a 403): totals and a series of every day of the last
/// `days` (1–90, default 30), up to today (UTC).
struct AnalyticsController: Sendable {
    static let dayRange = 1...90
    static let defaultDays = 30
    static let topArticlesCount = 10

    let repository: StatsRepository
    let verifier: TokenVerifier

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.group("analytics").add(middleware: verifier.required)
            .get(use: author)
            .get("articles/:slug", use: article)
        return routes
    }

    @Sendable func author(_ request: Request, context: AppRequestContext) async throws -> AuthorAnalyticsResponse {
        let user = try context.requireIdentity()
        let (first, last) = try Self.window(request)
        let days = try await repository.authorDays(user.id, from: first, to: last, logger: context.logger)
        let top = try await repository.topArticles(user.id, from: first, to: last, limit: Self.topArticlesCount, logger: context.logger)
        let daily = Self.series(days, from: first, to: last, withFollowers: true)
        return AuthorAnalyticsResponse(
            analytics: AuthorAnalytics(
                days: last.number - first.number + 1, from: first.string, to: last.string, totals: Self.totals(daily, withFollowers: true),
                daily: daily,
                topArticles: top.map {
                    AnalyticsTopArticle(
                        slug: $0.slug, title: $0.title, reads: $0.counts.reads, uniqueReaders: $0.counts.uniqueReaders,
                        favorites: $0.counts.favorites, comments: $0.counts.comments)
                }
            ))
    }

    @Sendable func article(_ request: Request, context: AppRequestContext) async throws -> ArticleAnalyticsResponse {
        let user = try context.requireIdentity()
        let (first, last) = try Self.window(request)
        let slug = try context.parameters.require("slug")
        guard let article = try await repository.article(slug: slug, logger: context.logger) else {
            throw ConduitError.notFound("article")
        }
        guard article.authorID == user.id else {
            throw ConduitError.forbidden("only the article's author may see its analytics")
        }
        let days = try await repository.articleDays(article.id, from: first, to: last, logger: context.logger)
        let daily = Self.series(days, from: first, to: last, withFollowers: false)
        return ArticleAnalyticsResponse(
            articleAnalytics: ArticleAnalytics(
                slug: article.slug, title: article.title, days: last.number - first.number + 1, from: first.string, to: last.string,
                totals: Self.totals(daily, withFollowers: false), daily: daily))
    }

    /// The first and last day of the `days` asked for, ending today.
    static func window(_ request: Request, today: Day = .today) throws(ConduitError) -> (Day, Day) {
        var days = defaultDays
        if let text = request.uri.queryParameters.get("days") {
            guard let value = Int(text), dayRange.contains(value) else {
                throw ConduitError.invalid("days", "must be a whole number from \(dayRange.lowerBound) to \(dayRange.upperBound)")
            }
            days = value
        }
        return (today.adding(1 - days), today)
    }

    /// Every day from `first` to `last`, zeros where nothing was counted.
    static func series(_ days: [Day: StatsRepository.DayCounts], from first: Day, to last: Day, withFollowers: Bool) -> [AnalyticsDayCounts] {
        (first.number...last.number).map { number in
            let day = Day(number: number)
            let counts = days[day] ?? StatsRepository.DayCounts()
            return AnalyticsDayCounts(
                date: day.string, reads: counts.reads, uniqueReaders: counts.uniqueReaders, favorites: counts.favorites,
                comments: counts.comments, followers: withFollowers ? counts.followers : nil)
        }
    }

    /// The sums of a series. Unique readers add up day by day: a day's key cannot match a reader to another day's.
    static func totals(_ daily: [AnalyticsDayCounts], withFollowers: Bool) -> AnalyticsCounts {
        AnalyticsCounts(
            reads: daily.reduce(0) { $0 + $1.reads }, uniqueReaders: daily.reduce(0) { $0 + $1.uniqueReaders },
            favorites: daily.reduce(0) { $0 + $1.favorites }, comments: daily.reduce(0) { $0 + $1.comments },
            followers: withFollowers ? daily.reduce(0) { $0 + ($1.followers ?? 0) } : nil)
    }
}

extension AuthorAnalyticsResponse: ResponseEncodable {}
extension ArticleAnalyticsResponse: ResponseEncodable {}
