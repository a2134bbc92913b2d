import PostgresNIO

/// A row's cells in order, each decoded as the type its use asks for:
/// `let id: UUID = try cells.next()`. The hot reads decode their rows this way rather than with
/// `PostgresRow.decode` of a tuple, whose variadic generics the compiler leaves unspecialized: a
/// metadata look-up and a dynamic cast per column, a tenth of the CPU of a list of articles.
/// (Inlinable, so that each use is specialized for its types.)
public struct PostgresCells {
    @usableFromInline var cells: PostgresRow.Iterator

    @inlinable public init(_ row: PostgresRow) {
        cells = row.makeIterator()
    }

    @inlinable public mutating func next<Value: PostgresDecodable>(_ type: Value.Type = Value.self) throws -> Value {
        guard let cell = cells.next() else { throw MissingColumn(type: "\(Value.self)") }
        return try cell.decode(Value.self)
    }

    /// The next cell, which must be the column `name`: for a decoder whose statements write their
    /// select list from the same constant, so that a list and its decoder out of order fail at the
    /// first row instead of decoding one column as another.
    @inlinable public mutating func next<Value: PostgresDecodable>(_ type: Value.Type = Value.self, column name: String) throws -> Value {
        guard let cell = cells.next() else { throw MissingColumn(type: "\(Value.self)") }
        guard cell.columnName == name else { throw UnexpectedColumn(expected: name, found: cell.columnName) }
        return try cell.decode(Value.self)
    }

    /// The statement returned fewer columns than its decoder reads: a mistake in the code.
    public struct MissingColumn: Error, CustomStringConvertible {
        public let type: String
        @inlinable init(type: String) { self.type = type }
        public var description: String { "the row has no further column to decode as \(type)" }
    }

    /// The statement's columns are not in its decoder's order: a mistake in the code.
    public struct UnexpectedColumn: Error, CustomStringConvertible {
        public let expected: String
        public let found: String
        @inlinable init(expected: String, found: String) {
            self.expected = expected
            self.found = found
        }
        public var description: String { "the decoder expected the column \(expected) where the row has \(found)" }
    }
}
