import Synchronization

/// What a replica holds in memory to answer reads without the database, read only while its
/// ``ReadCoherence`` lease lasts: under a new lease it starts from `empty` again, as it may have
/// missed changes in between. Every change heard advances a generation, and a read stores what it
/// found only if no change was heard while it was under way (what it found may be older).
public final class LeasedMemory<Contents: Sendable>: Sendable {
    private struct State: Sendable {
        var lease: Int?
        var generation = 0
        var contents: Contents
    }

    private let state: Mutex<State>
    private let empty: @Sendable () -> Contents
    public let coherence: ReadCoherence?

    /// - Parameter coherence: nil turns the memory off: every read goes to the database.
    public init(coherence: ReadCoherence?, empty: @escaping @Sendable () -> Contents) {
        self.coherence = coherence
        self.empty = empty
        state = Mutex(State(contents: empty()))
    }

    /// The generation to store a read under, or nil while the memory may not be read.
    public func readingGeneration() -> Int? {
        guard let lease = coherence?.currentLease() else { return nil }
        return state.withLock { state in
            if state.lease != lease {
                state.contents = empty()
                state.generation += 1
                state.lease = lease
            }
            return state.generation
        }
    }

    public func read<Value>(_ body: (inout Contents) -> Value) -> Value {
        state.withLock { body(&$0.contents) }
    }

    /// Stores what a read found, unless a change was heard, or the lease changed, since `generation`.
    public func store(readAt generation: Int, _ body: (inout Contents) -> Void) {
        let lease = coherence?.currentLease()
        state.withLock { state in
            guard lease != nil, state.lease == lease, state.generation == generation else { return }
            body(&state.contents)
        }
    }

    /// Drops what a change made stale (`body`), and keeps reads under way from storing what they read.
    public func forget(_ body: (inout Contents) -> Void) {
        state.withLock { state in
            state.generation += 1
            body(&state.contents)
        }
    }
}
