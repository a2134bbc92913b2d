import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Basics

@Suite struct ReadsInFlightTests {
    /// A read that waits until the test lets it finish, counting how often it ran.
    final class HeldRead: Sendable {
        let runs = Mutex(0)
        let isOpen = Mutex(false)

        func open() { isOpen.withLock { $0 = true } }

        func read(_ outcome: Result<Int, TestFailure>) -> @Sendable () async throws -> Int {
            { [self] in
                runs.withLock { $0 += 1 }
                while !isOpen.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
                return try outcome.get()
            }
        }
    }

    @Test func readersArrivingWhileAReadIsUnderWayShareIt() async throws {
        let reads = ReadsInFlight<String, Int>()
        let held = HeldRead()
        try await withThrowingTaskGroup(of: Int.self) { group async throws in
            group.addTask { try await reads.value(for: "search", read: held.read(.success(7))) }
            #expect(try await eventually(timeout: .seconds(60)) { reads.underWay == 1 })
            for _ in 0..<7 { group.addTask { try await reads.value(for: "search", read: held.read(.success(-1))) } }
            #expect(try await eventually(timeout: .seconds(60)) { reads.joined == 7 })
            held.open()
            #expect(try await group.reduce(into: []) { $0.append($1) } == Array(repeating: 7, count: 8))
        }
        #expect(held.runs.withLock { $0 } == 1)
        #expect(reads.underWay == 0)

        // Done, it is not kept: the next reader reads again.
        #expect(try await reads.value(for: "search") { 8 } == 8)
    }

    @Test func everyReaderOfAFailedReadGetsItsErrorAndTheNextReadsAgain() async throws {
        let reads = ReadsInFlight<String, Int>()
        let held = HeldRead()
        try await withThrowingTaskGroup(of: Void.self) { group async throws in
            for _ in 0..<3 {
                group.addTask {
                    await #expect(throws: TestFailure.self) { try await reads.value(for: "search", read: held.read(.failure(TestFailure("down")))) }
                }
            }
            #expect(try await eventually(timeout: .seconds(60)) { reads.joined == 2 })
            held.open()
            try await group.waitForAll()
        }
        #expect(held.runs.withLock { $0 } == 1)
        #expect(try await reads.value(for: "search") { 1 } == 1)
    }

    @Test func readsOfOtherKeysDoNotWaitForEachOther() async throws {
        let reads = ReadsInFlight<String, Int>()
        let held = HeldRead()
        try await withThrowingTaskGroup(of: Int.self) { group async throws in
            group.addTask { try await reads.value(for: "held", read: held.read(.success(1))) }
            #expect(try await eventually(timeout: .seconds(60)) { reads.underWay == 1 })
            #expect(try await reads.value(for: "other") { 2 } == 2, "answered while the held read is under way")
            held.open()
            #expect(try await group.next() == 1)
        }
        #expect(reads.joined == 0)
    }
}
