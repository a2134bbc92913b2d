import Basics
import ServiceLifecycle

/// Hands the allocator's free pages back to the system every `interval`. glibc's malloc keeps what
/// a burst of requests freed inside its arenas, mapped and counted in the replica's resident
/// memory, and `malloc_trim` returns it. Trimming a settled heap is cheap.
public struct AllocatorTrim: Service {
    let interval: Duration
    let trim: @Sendable () -> Void

    public init(interval: Duration = .seconds(30), trim: @escaping @Sendable () -> Void = Self.releaseFreePages) {
        self.interval = interval
        self.trim = trim
    }

    public func run() async throws {
        while await Backoff.pause(interval) { trim() }
    }

    public static let releaseFreePages: @Sendable () -> Void = {
        #if os(Linux)
            _ = mallocTrim(0)
        #endif
    }
}

#if os(Linux)
    /// glibc's `int malloc_trim(size_t pad)`, which its Swift module map (no `malloc.h`) leaves out.
    @_silgen_name("malloc_trim")
    private func mallocTrim(_ pad: Int) -> Int32
#endif
