import ConduitContract
import Foundation
import HTTPKit
import Hummingbird

/// `/stats`: the signed-in author's numbers from the analytics service: totals, charts of reads
/// and favorites, and of comments and followers, per day (each with its numbers in a table), and
/// the most read articles. When analytics cannot answer, the page still comes, saying so.
struct StatsController: Sendable {
    static let periods = [7, 30, 90]
    static let defaultDays = 30
    static let dayRange = 1...90

    let site: Site

    struct StatsView: Sendable {
        let periods: [Link]
        let numbers: NumbersView?
        let unavailable: Bool
    }

    struct NumbersView: Sendable {
        let from: DateView
        let to: DateView
        let totals: [Total]
        let charts: [ChartView]
        let topArticles: [TopArticle]
        let hasTopArticles: Bool
    }

    struct Total: Sendable {
        let label: String
        let value: Int
    }

    struct ChartView: Sendable {
        let id: String
        let heading: String
        let svg: String
        let columns: [String]
        let rows: [Row]
    }

    struct Row: Sendable {
        let date: String
        let values: [Int]
    }

    struct TopArticle: Sendable {
        let path: String
        let title: String
        let reads: Int
        let uniqueReaders: Int
        let favorites: Int
        let comments: Int
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/stats", use: show)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let visit = site.visit(request, context)
        guard visit.session.isSignedIn else { throw WebError.signInRequired }
        let days = try Self.days(request.uri.queryParameters["days"].map(String.init))
        let periods = Self.periods.map { Link(label: "Last \($0) days", href: "/stats?days=\($0)", isCurrent: $0 == days) }
        let numbers: AuthorAnalytics
        do {
            numbers = try await site.api.analytics(days: days, visit.caller)
        } catch let error as APIError where (400..<500).contains(error.status) {
            throw error
        } catch {
            context.logger.warning("the stats page has no numbers", metadata: ["error": "\(error)"])
            let view = StatsView(periods: periods, numbers: nil, unavailable: true)
            return site.page("stats", title: "Your stats", content: view, visit, status: .serviceUnavailable, current: .stats)
        }
        let view = StatsView(periods: periods, numbers: Self.view(of: numbers), unavailable: false)
        return site.page("stats", title: "Your stats", content: view, visit, current: .stats)
    }

    /// `?days=`: 1 to 90; 30 when absent.
    static func days(_ text: String?) throws -> Int {
        guard let text else { return defaultDays }
        guard let days = Int(text), dayRange.contains(days) else {
            throw WebError.badRequest("The period must be a whole number of days from \(dayRange.lowerBound) to \(dayRange.upperBound).")
        }
        return days
    }

    static func view(of numbers: AuthorAnalytics) -> NumbersView {
        let dates = numbers.daily.map(\.date)
        func chart(_ id: String, _ heading: String, _ series: [(String, String, String?, KeyPath<AnalyticsDayCounts, Int>)]) -> ChartView {
            let lines = series.map { name, color, dashes, value in
                LineChart.Series(name: name, values: numbers.daily.map { $0[keyPath: value] }, color: color, dashes: dashes)
            }
            return ChartView(
                id: id, heading: heading, svg: LineChart(id: id, title: heading, dates: dates, series: lines).svg, columns: series.map { $0.0 },
                rows: numbers.daily.map { day in Row(date: day.date, values: series.map { day[keyPath: $0.3] }) })
        }
        return NumbersView(
            from: DateView(numbers.from), to: DateView(numbers.to),
            totals: [
                Total(label: "Reads", value: numbers.totals.reads), Total(label: "Unique readers", value: numbers.totals.uniqueReaders),
                Total(label: "Favorites", value: numbers.totals.favorites), Total(label: "Comments", value: numbers.totals.comments),
                Total(label: "New followers", value: numbers.totals.followers ?? 0),
            ],
            charts: [
                chart(
                    "reads-chart", "Reads and favorites per day",
                    [
                        ("Reads", "#1f5fa8", nil, \.reads), ("Unique readers", "#6b4fbb", "6 3", \.uniqueReaders),
                        ("Favorites", "#b3261e", "2 3", \.favorites),
                    ]),
                chart(
                    "community-chart", "Comments and new followers per day",
                    [("Comments", "#1e7a46", nil, \.comments), ("New followers", "#9a5b00", "6 3", \.followersOrZero)]),
            ],
            topArticles: numbers.topArticles.map {
                TopArticle(
                    path: Paths.article($0.slug), title: $0.title, reads: $0.reads, uniqueReaders: $0.uniqueReaders, favorites: $0.favorites,
                    comments: $0.comments)
            },
            hasTopArticles: !numbers.topArticles.isEmpty
        )
    }
}

extension AnalyticsDayCounts {
    var followersOrZero: Int { followers ?? 0 }
}
