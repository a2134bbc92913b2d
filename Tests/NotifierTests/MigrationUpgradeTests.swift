import Persistence
import TestSupport
import Testing

@testable import Notifier

/// A notifier database migrated before groups, by the flat numbering, upgrades without loss: 5 is every flat
/// version, 4 what commit 944752c made.
@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct MigrationUpgradeTests {
    static let upgrade = FlatMigrationUpgrade(
        schema: NotifierMigrations.schema,
        // As the runner before groups recorded them.
        flatNames: [
            "create the processed events table",
            "create_recipients_and_notifications",
            "remember when each user's tokens were revoked",
            "keep each notification's trace",
            "announce each change of a user's revocation time",
        ],
        data: FlatMigrationUpgrade.consumerRows + [
            """
            INSERT INTO recipients (id, username, email, synced_at)
            VALUES ('00000000-0000-0000-0000-000000000001', 'ada', 'ada@example.com', '2024-01-01T00:00:00Z')
            """,
            """
            INSERT INTO notifications (event_id, kind, dedupe_key, recipient_id, status, sent_at)
            VALUES ('00000000-0000-0000-0000-0000000000e3', 'new_follower', 'follow-1', '00000000-0000-0000-0000-000000000001', 'sent', now())
            """,
        ]
    )

    @Test("a database with the first flat versions applied gets exactly the missing migrations and keeps its rows", arguments: [5, 4, 2])
    func upgrade(flatVersions: Int) async throws {
        let problems = try await Self.upgrade.problems(flatVersions: flatVersions)
        #expect(problems.isEmpty, "\(problems)")
    }
}
