import Logging
import Testing

@testable import Basics

/// The retry schedule and the time conversions, without a database or a broker.
@Suite struct BackoffTests {
    @Test func delaysDoubleFromTheFirstUpToTheLongest() {
        let backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(5))
        let delays = (1...8).map { backoff.delay(afterFailure: $0) }
        #expect(delays == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5), .seconds(5)])
        #expect(backoff.delay(afterFailure: 0) == .milliseconds(250))
        #expect(backoff.delay(afterFailure: .max) == .seconds(5), "a long run of failures neither overflows nor loops for ever")
        #expect(Backoff(initial: .seconds(90), maximum: .seconds(60)).delay(afterFailure: 1) == .seconds(60), "never above the longest")
    }

    @Test func retryReturnsTheFirstSuccessAfterReportingEachFailure() async throws {
        var attempts = 0
        var reported: [(Int, Duration)] = []
        let result = await Backoff(initial: .milliseconds(1), maximum: .milliseconds(4)).retry {
            attempts += 1
            guard attempts == 4 else { throw Flaky() }
            return "done"
        } onFailure: { error, failures, delay in
            #expect(error is Flaky)
            reported.append((failures, delay))
        }
        #expect(result == "done")
        #expect(reported.map(\.0) == [1, 2, 3])
        #expect(reported.map(\.1) == [.milliseconds(1), .milliseconds(2), .milliseconds(4)])
    }

    @Test func whatHearsOfAFailureEndsTheRetriesByThrowing() async throws {
        let error = await #expect(throws: GaveUp.self) {
            _ = try await Backoff(initial: .milliseconds(1)).retry { () async throws -> Int in
                throw Flaky()
            } onFailure: { (_, failures, _) throws(GaveUp) in
                if failures == 3 { throw GaveUp(after: failures) }
            }
        }
        #expect(error?.after == 3)
    }

    @Test func retryingEndsWhenTheTaskIsCancelled() async throws {
        let retrying = Task {
            await Backoff(initial: .seconds(60)).retry { () async throws -> Int in
                throw Flaky()
            } onFailure: { _, _, _ in
            }
        }
        retrying.cancel()
        #expect(await retrying.value == nil, "a cancelled retry gives up at once instead of waiting a minute")
        let paused = Task { await Backoff.pause(.seconds(60)) }
        paused.cancel()
        #expect(await paused.value == false)
    }

    @Test func durationsBecomeTheNumbersLibrariesTake() {
        #expect(Duration.milliseconds(1500).milliseconds == 1500)
        #expect(Duration.seconds(2.25).seconds == 2.25)
        #expect(Duration.microseconds(1999).milliseconds == 1, "whole milliseconds, rounded down")
    }

    @Test func aComponentTagsEveryLineOfItsLogger() {
        let logger = Logger(label: "test").component("outbox-relay")
        #expect(logger[metadataKey: "component"] == "outbox-relay")
    }

    struct Flaky: Error {}
    struct GaveUp: Error { let after: Int }
}
