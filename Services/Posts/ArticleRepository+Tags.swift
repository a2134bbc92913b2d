import Logging
import Persistence
import PostgresNIO

extension ArticleRepository {
    /// The most used tags, most used first, from the database.
    func readPopularTags(limit: Int, logger: Logger) async throws -> [String] {
        try await database.execute(PopularTags(limit: limit), logger: logger).reduce(into: []) { $0.append($1) }
    }

    /// Prepared once per connection: parsing and planning it cost PostgreSQL as much as running it.
    struct PopularTags: PostgresPreparedStatement {
        static let sql = "SELECT name FROM tags WHERE articles_count > 0 ORDER BY articles_count DESC, name LIMIT $1"
        static let bindingDataTypes: [PostgresDataType] = [.int8]
        let limit: Int

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(limit)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> String {
            var cells = PostgresCells(row)
            return try cells.next()
        }
    }
}
