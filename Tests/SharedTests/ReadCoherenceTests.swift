import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import Persistence

/// ``ReadCoherence``'s barriers on a real PostgreSQL, with a stand-in for another replica whose
/// acknowledgements the test holds back.
@Suite(.enabled(if: TestDatabase.isAvailable, "needs INKWELL_TEST_DATABASE_URL (scripts/test sets it)"))
struct ReadCoherenceTests {
    let logger = Logger(label: "test")
    let channel = "coherence_test"

    @Test func writesThatAskWhileABarrierIsUnderWayShareTheNextOneAndWaitForIt() async throws {
        try await TestDatabase.withScratchDatabase { url in
            let configuration = try DatabaseConfiguration(url: url, variable: "test")
            let client = PostgresClient(configuration: configuration.postgresClientConfiguration)
            try await withRunningClient(client) {
                try await MigrationRunner(client: client, schema: DatabaseSchema([ReadCoherence.migrations]), logger: logger).run()
                let coherence = ReadCoherence(channel: channel, settings: .init(), database: client, listeningConnection: .dedicated(configuration))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await coherence.run(logger: logger) { _ in } }
                    defer { group.cancelAll() }
                    #expect(try await eventually(timeout: .seconds(60)) { coherence.currentLease() != nil })
                    try await StandInReplica.run(channel: channel, configuration: configuration) { (standIn: StandInReplica) async throws in
                        standIn.holdAcknowledgements()
                        let first = Task {
                            await coherence.awaitEveryReplica(logger: logger)
                            return standIn.barriers
                        }
                        #expect(try await eventually(timeout: .seconds(60)) { standIn.barriers == 1 })
                        let later = (0..<8).map { _ in
                            Task {
                                await coherence.awaitEveryReplica(logger: logger)
                                return standIn.barriers
                            }
                        }
                        #expect(try await eventually(timeout: .seconds(60)) { coherence.writesWaitingForTheNextBarrier == later.count })
                        standIn.releaseAcknowledgements()
                        #expect(await first.value >= 1)
                        for write in later {
                            #expect(await write.value == 2, "a write that asked during the first barrier waited for one more, shared by all")
                        }
                        #expect(coherence.writesWaitingForTheNextBarrier == 0)
                        await coherence.awaitEveryReplica(logger: logger)
                        #expect(standIn.barriers == 3, "a write after them runs a barrier of its own")
                    }
                }
            }
        }
    }
}
