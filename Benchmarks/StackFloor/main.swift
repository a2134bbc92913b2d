// The stack's floor, for scripts/bench: what Hummingbird and PostgresNIO alone do with one article
// read, written the way the framework's examples write it. One route, one prepared statement on the
// posts database (the article and its author), a Codable response; no middleware, no token, no
// logging. Posts' own reads are measured against it.
import Foundation
import Hummingbird
import Logging
import NIOPosix
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

@main
struct StackFloor {
    static func main() async throws {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let environment = ProcessInfo.processInfo.environment
        guard let port = environment["PORT"].flatMap(Int.init), (1...65535).contains(port),
            let url = environment["DATABASE_URL"].flatMap(URLComponents.init(string:)),
            let host = url.host, let username = url.user
        else {
            print("usage: PORT=… DATABASE_URL=postgres://user:password@host:port/database StackFloor")
            exit(2)
        }
        let configuration = PostgresClient.Configuration(
            host: host, port: url.port ?? 5432, username: username, password: url.password,
            database: String(url.path.drop(while: { $0 == "/" })), tls: .disable
        )
        let database = PostgresClient(configuration: configuration)
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
        var logger = Logger(label: "stack-floor")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), services: [database], logger: logger
        )
        try await app.runService()
    }
}
