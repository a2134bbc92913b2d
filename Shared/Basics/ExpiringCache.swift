import Synchronization

/// A map whose entries each last until a given instant, safe to share between tasks. Bounded: at
/// `capacity` entries it drops the expired ones, and everything when that does not free half. It
/// also drops the expired ones whenever it has doubled since it last did (from 64 entries on), so
/// that short-lived entries do not pile up to `capacity` (comments' 10,000 remembered articles of 5
/// seconds each took 3 MB that way, filling over its first ten minutes under load).
public final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        let value: Value
        let until: ContinuousClock.Instant
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var sweepAt: Int
    }

    static var smallestSweep: Int { 64 }
    private let state: Mutex<State>
    public let capacity: Int

    public init(capacity: Int) {
        precondition(capacity > 0, "a cache holds at least one entry")
        self.capacity = capacity
        state = Mutex(State(sweepAt: min(capacity, Self.smallestSweep)))
    }

    /// The value stored for `key`, unless it has expired.
    public func value(for key: Key, now: ContinuousClock.Instant = .now) -> Value? {
        state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            guard entry.until > now else {
                state.entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    public func store(_ value: Value, for key: Key, until: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) {
        guard until > now else { return }
        state.withLock { state in
            if state.entries.count >= state.sweepAt, state.entries[key] == nil {
                let full = state.entries.count >= capacity
                state.entries = state.entries.filter { $0.value.until > now }
                if full, state.entries.count >= capacity / 2 { state.entries.removeAll() }
                state.sweepAt = min(capacity, max(Self.smallestSweep, 2 * state.entries.count))
            }
            state.entries[key] = Entry(value: value, until: until)
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }
}
