// The stack's floor, for scripts/bench: what Hummingbird and PostgresNIO alone do with one article
// and with the newest 20, written the way the framework's examples write it. Each route is one
// prepared statement on the posts database (the articles with their authors) and a Codable
// response; no middleware, no token, no logging. Its database client is configured as the
// services' are (Persistence's DatabaseConfiguration: the same pool size and session settings),
// which is all it takes from the project. Posts' own reads are measured against it.
import Foundation
import Hummingbird
import Logging
import NIOPosix
import Persistence
import PostgresNIO

struct Article: ResponseCodable {
    struct Body: Codable {
        let slug: String
        let title: String
        let description: String
        let body: String
        let favoritesCount: Int
        let author: String
    }
    let article: Body
}

struct ArticleList: ResponseCodable {
    struct Item: Codable {
        let slug: String
        let title: String
        let description: String
        let tagList: [String]
        let createdAt: Date
        let updatedAt: Date
        let favoritesCount: Int
        let author: Author
    }
    struct Author: Codable {
        let username: String
        let bio: String?
        let image: String?
    }
    let articles: [Item]
    let articlesCount: Int
}

struct ArticleAndAuthor: PostgresPreparedStatement {
    static let sql = """
        SELECT a.slug, a.title, a.description, a.body, a.favorites_count, u.username
        FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug = $1
        """
    static let bindingDataTypes: [PostgresDataType] = [.text]
    typealias Row = (String, String, String, String, Int, String)

    let slug: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(slug)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

struct NewestArticles: PostgresPreparedStatement {
    static let sql = """
        SELECT a.slug, a.title, a.description, a.tag_list, a.created_at, a.updated_at, a.favorites_count,
            u.username, u.bio, u.image, (SELECT articles_count FROM article_totals)
        FROM (SELECT * FROM articles ORDER BY created_at DESC, id DESC LIMIT 20) a JOIN users u ON u.id = a.author_id
        ORDER BY a.created_at DESC, a.id DESC
        """
    static let bindingDataTypes: [PostgresDataType] = []
    typealias Row = (String, String, String, [String], Date, Date, Int, String, String?, String?, Int)

    func makeBindings() throws -> PostgresBindings { PostgresBindings() }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

@main
struct StackFloor {
    static func main() async throws {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let environment = ProcessInfo.processInfo.environment
        guard let port = environment["PORT"].flatMap(Int.init), (1...65535).contains(port),
            let url = environment["DATABASE_URL"],
            let configuration = try? DatabaseConfiguration(url: url, variable: "DATABASE_URL")
        else {
            print("usage: PORT=… DATABASE_URL=postgres://user:password@host:port/database StackFloor")
            exit(2)
        }
        let database = PostgresClient(configuration: configuration.postgresClientConfiguration)
        let router = Router()
        router.get("/health/live") { _, _ in HTTPResponse.Status.ok }
        router.get("/api/articles/:slug") { _, context -> Article in
            let statement = ArticleAndAuthor(slug: try context.parameters.require("slug"))
            for try await row in try await database.execute(statement, logger: context.logger) {
                return Article(
                    article: .init(slug: row.0, title: row.1, description: row.2, body: row.3, favoritesCount: row.4, author: row.5)
                )
            }
            throw HTTPError(.notFound)
        }
        router.get("/api/articles") { _, context -> ArticleList in
            var articles: [ArticleList.Item] = []
            var total = 0
            for try await row in try await database.execute(NewestArticles(), logger: context.logger) {
                articles.append(
                    .init(
                        slug: row.0, title: row.1, description: row.2, tagList: row.3, createdAt: row.4, updatedAt: row.5,
                        favoritesCount: row.6, author: .init(username: row.7, bio: row.8, image: row.9)
                    )
                )
                total = row.10
            }
            return ArticleList(articles: articles, articlesCount: total)
        }
        var logger = Logger(label: "stack-floor")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), services: [database], logger: logger
        )
        try await app.runService()
    }
}
