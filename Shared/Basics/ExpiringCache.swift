import Synchronization

/// A map whose entries each last until a given instant, safe to share between tasks. Bounded: at
/// `capacity` entries it drops the expired ones, and everything when that does not free half.
public final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        let value: Value
        let until: ContinuousClock.Instant
    }

    private let entries = Mutex<[Key: Entry]>([:])
    public let capacity: Int

    public init(capacity: Int) {
        precondition(capacity > 0, "a cache holds at least one entry")
        self.capacity = capacity
    }

    /// The value stored for `key`, unless it has expired.
    public func value(for key: Key, now: ContinuousClock.Instant = .now) -> Value? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.until > now else {
                entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    public func store(_ value: Value, for key: Key, until: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) {
        guard until > now else { return }
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil {
                entries = entries.filter { $0.value.until > now }
                if entries.count >= capacity / 2 { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = Entry(value: value, until: until)
        }
    }

    public var count: Int { entries.withLock { $0.count } }
}
