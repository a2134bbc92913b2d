import PostgresNIO

/// One schema change: its statements run in one transaction.
public struct Migration: Sendable {
    public let name: String
    public let statements: [PostgresQuery]

    public init(name: String, statements: [PostgresQuery]) {
        self.name = name
        self.statements = statements
    }
}

/// The migrations of one component (the outbox, a projection, a service's own tables), in order:
/// version n is the n-th. Add a new migration at the end; never edit, reorder or remove an applied one.
/// The name is recorded with every applied migration, so it never changes either.
public struct MigrationGroup: Sendable {
    public let name: String
    public let migrations: [Migration]

    public init(_ name: String, _ migrations: [Migration]) {
        precondition(!migrations.isEmpty, "migration group \(name) is empty")
        self.name = name
        self.migrations = migrations
    }

    /// The identity of the group's migration number `version` (1-based).
    public func version(_ version: Int) -> MigrationID {
        precondition(migrations.indices.contains(version - 1), "migration group \(name) has no version \(version)")
        return MigrationID(group: name, version: version)
    }

    /// The group's migrations with their identities, in order.
    public var identified: [(id: MigrationID, migration: Migration)] {
        migrations.enumerated().map { (MigrationID(group: name, version: $0.offset + 1), $0.element) }
    }
}

/// Which migration: its group's name and its version within the group.
public struct MigrationID: Hashable, Sendable, CustomStringConvertible {
    public let group: String
    public let version: Int

    public init(group: String, version: Int) {
        self.group = group
        self.version = version
    }

    public var description: String { "\(group) \(version)" }
}

/// A database's schema: the groups, applied in this order (a group after the groups it depends on),
/// and the service's numbering from before groups (`legacyFlatOrder[n - 1]` is what its flat version n
/// was), by which ``MigrationRunner`` recognises the migrations a database made then has applied.
public struct DatabaseSchema: Sendable {
    public let groups: [MigrationGroup]
    public let legacyFlatOrder: [MigrationID]

    public init(_ groups: [MigrationGroup], legacyFlatOrder: [MigrationID] = []) {
        precondition(Set(groups.map(\.name)).count == groups.count, "a migration group is listed twice")
        let declared = Set(groups.flatMap { $0.identified.map(\.id) })
        precondition(Set(legacyFlatOrder).count == legacyFlatOrder.count, "a migration appears twice in the legacy order")
        precondition(legacyFlatOrder.allSatisfy(declared.contains), "the legacy order names a migration of no listed group")
        self.groups = groups
        self.legacyFlatOrder = legacyFlatOrder
    }

    /// Every migration with its identity, in the order they apply to a new database.
    public var identified: [(id: MigrationID, migration: Migration)] { groups.flatMap(\.identified) }

    /// The declared migration `id`, if any.
    public func migration(_ id: MigrationID) -> Migration? {
        guard let group = groups.first(where: { $0.name == id.group }), group.migrations.indices.contains(id.version - 1) else { return nil }
        return group.migrations[id.version - 1]
    }
}
