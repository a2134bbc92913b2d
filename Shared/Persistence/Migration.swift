import PostgresNIO

/// One versioned schema change: its statements run in one transaction.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [PostgresQuery]

    public init(version: Int, name: String, statements: [PostgresQuery]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}
