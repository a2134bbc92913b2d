import Persistence
import TestSupport
import Testing

@testable import Posts

/// A posts database migrated before groups, by the flat numbering, upgrades without loss: 12 is every flat
/// version, 11 what the code before the revocation announcements made, 9 what commit 944752c made.
@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct MigrationUpgradeTests {
    static let upgrade = FlatMigrationUpgrade(
        schema: PostsMigrations.schema,
        // As the runner before groups recorded them.
        flatNames: [
            "create the event outbox",
            "create the processed events table",
            "create_user_projection",
            "create_articles",
            "let the outbox relay set events aside",
            "remember when each user's tokens were revoked",
            "record which incarnation of each topic the outbox published to",
            "newest_articles_with_one_plan",
            "newest_articles_by_the_index",
            "version_the_projected_follows",
            "article_search",
            "announce each change of a user's revocation time",
        ],
        data: FlatMigrationUpgrade.outboxRows + FlatMigrationUpgrade.consumerRows + FlatMigrationUpgrade.projectionRows + [
            """
            INSERT INTO articles (id, slug, title, description, body, tag_list, author_id, favorites_count, created_at, updated_at)
            VALUES ('00000000-0000-0000-0000-0000000000a1', 'how-to-write', 'How to write', 'On writing', 'Write.', '{craft}',
                '00000000-0000-0000-0000-000000000001', 1, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')
            """,
            "INSERT INTO article_tags (tag, article_id, created_at) VALUES ('craft', '00000000-0000-0000-0000-0000000000a1', '2024-01-01T00:00:00Z')",
            "INSERT INTO favorites (user_id, article_id) VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000a1')",
            "INSERT INTO tags (name, articles_count) VALUES ('craft', 1)",
            "UPDATE article_totals SET articles_count = 1",
        ]
    )

    @Test("a database with the first flat versions applied gets exactly the missing migrations and keeps its rows", arguments: [12, 11, 9, 4])
    func upgrade(flatVersions: Int) async throws {
        let problems = try await Self.upgrade.problems(flatVersions: flatVersions)
        #expect(problems.isEmpty, "\(problems)")
    }
}
