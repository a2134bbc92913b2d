import Logging
import ServiceLifecycle
import Testing

@testable import HTTPCore
@testable import ServiceCore

@Suite struct AllocatorTrimTests {
    @Test(.timeLimit(.minutes(1)))
    func itTrimsOnItsIntervalUntilTheServiceStops() async throws {
        let (trims, trimmed) = AsyncStream<Void>.makeStream()
        let group = ServiceGroup(
            services: [AllocatorTrim(interval: .milliseconds(10)) { trimmed.yield() }], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var count = 0
            for await _ in trims {
                count += 1
                if count == 3 { break }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func theRealTrimRuns() {
        // glibc's malloc_trim, bound by name: a wrong binding would crash here rather than in a replica.
        AllocatorTrim.releaseFreePages()
    }
}
