import Persistence
import TestSupport
import Testing

@testable import Auth

/// A auth database migrated before groups, by the flat numbering, upgrades without loss: 6 is every flat
/// version (commit 944752c made them all too).
@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct MigrationUpgradeTests {
    static let upgrade = FlatMigrationUpgrade(
        schema: AuthMigrations.schema,
        // As the runner before groups recorded them.
        flatNames: [
            "create the event outbox",
            "create_users_and_follows",
            "let the outbox relay set events aside",
            "remember when each user's tokens were revoked",
            "create_login_throttle",
            "record which incarnation of each topic the outbox published to",
        ],
        data: FlatMigrationUpgrade.outboxRows + [
            """
            INSERT INTO users (id, username, email, password_hash)
            VALUES ('00000000-0000-0000-0000-000000000001', 'ada', 'ada@example.com', 'hash-a'),
                ('00000000-0000-0000-0000-000000000002', 'bob', 'bob@example.com', 'hash-b')
            """,
            "INSERT INTO follows (follower_id, followee_id) VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001')",
        ]
    )

    @Test("a database with the first flat versions applied gets exactly the missing migrations and keeps its rows", arguments: [6, 3])
    func upgrade(flatVersions: Int) async throws {
        let problems = try await Self.upgrade.problems(flatVersions: flatVersions)
        #expect(problems.isEmpty, "\(problems)")
    }
}
