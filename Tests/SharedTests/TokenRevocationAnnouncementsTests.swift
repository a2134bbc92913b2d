import Foundation
import Logging
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@testable import Authentication
@testable import Messaging
@testable import Persistence

/// Against the real PostgreSQL that scripts/test starts: the remembered revocation times are kept
/// for an hour here, so a change seen within the test was seen through its announcement.
@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct TokenRevocationAnnouncementsTests {
    let logger = Logger(label: "test")

    final class CountedReads: TokenRevocationSource {
        let table: ProjectedTokenRevocations
        let calls = Atomic<Int>(0)
        var made: Int { calls.load(ordering: .relaxed) }

        init(_ table: ProjectedTokenRevocations) { self.table = table }

        func tokensValidAfter(userID: UUID) async throws -> Date? {
            calls.add(1, ordering: .relaxed)
            return try await table.tokensValidAfter(userID: userID)
        }
    }

    @Test func aRevocationCommittedElsewhereReachesTheRememberedTimesAsItIsAnnounced() async throws {
        try await TestDatabase.withScratchDatabase { url in
            let configuration = try DatabaseConfiguration(url: url, variable: "test")
            let client = PostgresClient(configuration: configuration.postgresClientConfiguration)
            try await withRunningClient(client) {
                let schema = DatabaseSchema([
                    UserProjection.migrations, ProjectedTokenRevocations.migrations(), TokenRevocationAnnouncements.migrations(),
                ])
                try await MigrationRunner(client: client, schema: schema, logger: logger).run()
                let (ada, bob) = (UUID(), UUID())
                try await client.query("INSERT INTO users (id, username) VALUES (\(ada), 'ada'), (\(bob), 'bob')", logger: logger)
                let announcements = TokenRevocationAnnouncements(connection: .dedicated(configuration), logger: logger)
                let reads = CountedReads(ProjectedTokenRevocations(database: client, logger: logger))
                let remembered = reads.remembered(for: .seconds(3600), announcements: announcements)

                // Nobody listens yet: a change would go unheard, so every check reads the table.
                for _ in 0..<3 { #expect(try await remembered.tokensValidAfter(userID: ada) == nil) }
                #expect(reads.made == 3)

                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await announcements.run() }
                    defer { group.cancelAll() }
                    #expect(try await eventually(timeout: .seconds(60)) { announcements.generation != nil })
                    // The wake-up that listening begins with may be counted after the first read.
                    let listened = reads.made
                    for _ in 0..<3 { #expect(try await remembered.tokensValidAfter(userID: ada) == nil) }
                    #expect(reads.made < listened + 3, "remembered while the announcements are heard")

                    let revoked = try await client.query(
                        "UPDATE users SET tokens_valid_after = now() WHERE id = \(ada) RETURNING tokens_valid_after", logger: logger)
                    var revokedAt: Date?
                    for try await time in revoked.decode(Date.self) { revokedAt = time }
                    let seen = try await eventually(timeout: .seconds(60)) { try await remembered.tokensValidAfter(userID: ada) == revokedAt }
                    #expect(seen, "the revocation reached the remembered times")

                    // A user inserted with a revocation time (its first event a revocation) is announced too.
                    #expect(try await remembered.tokensValidAfter(userID: bob) == nil)
                    let carol = UUID()
                    #expect(try await remembered.tokensValidAfter(userID: carol) == nil)
                    try await client.query(
                        "INSERT INTO users (id, username, tokens_valid_after) VALUES (\(carol), 'carol', now())", logger: logger)
                    #expect(try await eventually(timeout: .seconds(60)) { try await remembered.tokensValidAfter(userID: carol) != nil })
                }
            }
        }
    }
}
