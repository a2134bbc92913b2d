import Synchronization

/// Reads under way, by what they read: a reader asking for a key whose read is under way waits for
/// that read's value (or error) instead of starting its own. Thirty-two requests arriving at once
/// for a search nobody held ran thirty-two searches side by side, each slower for the others.
/// Nothing is kept once a read is done: callers store what they keep themselves.
public final class ReadsInFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct State {
        var underWay: [Key: Task<Value, any Error>] = [:]
        var joined = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The value of the read of `key` under way, or of `read`, started now, when there is none.
    /// `read` runs in a task of its own, so that one caller's cancellation does not fail the others.
    public func value(for key: Key, read: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let task = state.withLock { state in
            if let task = state.underWay[key] {
                state.joined += 1
                return task
            }
            // Removes itself when done; it cannot do so before it is inserted, under this same lock.
            let task = Task {
                defer { _ = self.state.withLock { $0.underWay.removeValue(forKey: key) } }
                return try await read()
            }
            state.underWay[key] = task
            return task
        }
        return try await task.value
    }

    /// How many reads are under way.
    public var underWay: Int { state.withLock { $0.underWay.count } }

    /// How many callers so far waited for a read under way rather than starting their own.
    public var joined: Int { state.withLock { $0.joined } }
}
