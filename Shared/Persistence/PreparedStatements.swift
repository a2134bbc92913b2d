import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `statement` on `connection` when there is one (inside a transaction), else on one from
    /// the pool; either way it is prepared once per connection.
    public func execute<Statement: PostgresPreparedStatement, Row>(
        _ statement: Statement, on connection: PostgresConnection?, logger: Logger
    ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, Row> where Row == Statement.Row {
        if let connection { try await connection.execute(statement, logger: logger) } else { try await execute(statement, logger: logger) }
    }
}
