import Persistence
import TestSupport
import Testing

@testable import Analytics

/// An analytics database migrated before groups, by the flat numbering, upgrades without loss: 5 is every
/// flat version, 4 what the code before the revocation announcements made (analytics came after commit
/// 944752c). Its upgrade also gets the user projection's follow versions, which its flat list left out
/// (unused, empty).
@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct MigrationUpgradeTests {
    static let upgrade = FlatMigrationUpgrade(
        schema: AnalyticsMigrations.schema,
        // As the runner before groups recorded them.
        flatNames: [
            "create the processed events table",
            "create_user_projection",
            "remember when each user's tokens were revoked",
            "create the articles projection and the daily counts",
            "announce each change of a user's revocation time",
        ],
        data: FlatMigrationUpgrade.consumerRows + FlatMigrationUpgrade.projectionRows
    )

    @Test("a database with the first flat versions applied gets exactly the missing migrations and keeps its rows", arguments: [5, 4, 2])
    func upgrade(flatVersions: Int) async throws {
        let problems = try await Self.upgrade.problems(flatVersions: flatVersions)
        #expect(problems.isEmpty, "\(problems)")
    }
}
