import Persistence
import TestSupport
import Testing

@testable import Comments

/// A comments database migrated before groups, by the flat numbering, upgrades without loss: 9 is every flat
/// version, 8 what the code before the revocation announcements made, 7 what commit 944752c made.
@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct MigrationUpgradeTests {
    static let upgrade = FlatMigrationUpgrade(
        schema: CommentsMigrations.schema,
        // As the runner before groups recorded them.
        flatNames: [
            "create the event outbox",
            "create the processed events table",
            "create_user_projection",
            "create_comments",
            "let the outbox relay set events aside",
            "remember when each user's tokens were revoked",
            "record which incarnation of each topic the outbox published to",
            "version_the_projected_follows",
            "announce each change of a user's revocation time",
        ],
        data: FlatMigrationUpgrade.outboxRows + FlatMigrationUpgrade.consumerRows + FlatMigrationUpgrade.projectionRows + [
            """
            INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
            VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000002', 'Well put.', '2024-01-01T00:00:00Z',
                '2024-01-01T00:00:00Z')
            """,
            "INSERT INTO deleted_articles (article_id) VALUES ('00000000-0000-0000-0000-0000000000a2')",
        ]
    )

    @Test("a database with the first flat versions applied gets exactly the missing migrations and keeps its rows", arguments: [9, 8, 7, 4])
    func upgrade(flatVersions: Int) async throws {
        let problems = try await Self.upgrade.problems(flatVersions: flatVersions)
        #expect(problems.isEmpty, "\(problems)")
    }
}
