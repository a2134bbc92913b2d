/// A map bounded by the total cost of its entries (each entry's cost given as it is stored, 1 by
/// default, so that the bound is a number of entries): storing beyond the bound drops the entries
/// read or stored longest ago. Every operation but ``removeAll(where:)`` takes constant time. Not
/// safe to share: keep it inside a lock.
public struct LeastRecentlyUsed<Key: Hashable, Value> {
    fileprivate struct Node {
        let key: Key
        let value: Value
        let cost: Int
        var newer: Int
        var older: Int
    }

    /// Entries in slots linked from the newest to the oldest; `none` ends a link.
    private static var none: Int { -1 }
    private var nodes: [Node?] = []
    private var freeSlots: [Int] = []
    private var slots: [Key: Int] = [:]
    private var newest = Self.none
    private var oldest = Self.none

    public let capacity: Int
    public private(set) var totalCost = 0

    public init(capacity: Int) {
        precondition(capacity >= 0, "a capacity is never negative")
        self.capacity = capacity
    }

    public var count: Int { slots.count }

    /// The value stored for `key`, which becomes the newest entry.
    public mutating func value(for key: Key) -> Value? {
        guard let slot = slots[key] else { return nil }
        if slot != newest {
            unlink(slot)
            link(slot)
        }
        return nodes[slot]?.value
    }

    /// Stores `value` as the newest entry, dropping the oldest ones while the total cost would
    /// exceed ``capacity``; a value that costs more than the capacity is not stored.
    public mutating func store(_ value: Value, for key: Key, cost: Int = 1) {
        remove(key)
        guard cost <= capacity else { return }
        while totalCost + cost > capacity, oldest != Self.none, let oldestKey = nodes[oldest]?.key { remove(oldestKey) }
        let node = Node(key: key, value: value, cost: cost, newer: Self.none, older: Self.none)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            nodes[slot] = node
        } else {
            slot = nodes.count
            nodes.append(node)
        }
        link(slot)
        slots[key] = slot
        totalCost += cost
    }

    @discardableResult
    public mutating func remove(_ key: Key) -> Value? {
        guard let slot = slots.removeValue(forKey: key), let node = nodes[slot] else { return nil }
        unlink(slot)
        nodes[slot] = nil
        freeSlots.append(slot)
        totalCost -= node.cost
        return node.value
    }

    /// Removes every entry for which `shouldRemove` is true, looking at each.
    public mutating func removeAll(where shouldRemove: (Key, Value) -> Bool) {
        let doomed = slots.compactMap { key, slot in nodes[slot].flatMap { shouldRemove(key, $0.value) ? key : nil } }
        for key in doomed { remove(key) }
    }

    public mutating func removeAll() {
        self = LeastRecentlyUsed(capacity: capacity)
    }

    /// Makes the unlinked `slot` the newest.
    private mutating func link(_ slot: Int) {
        nodes[slot]?.older = newest
        nodes[slot]?.newer = Self.none
        if newest != Self.none { nodes[newest]?.newer = slot }
        newest = slot
        if oldest == Self.none { oldest = slot }
    }

    private mutating func unlink(_ slot: Int) {
        guard let node = nodes[slot] else { return }
        if node.newer != Self.none { nodes[node.newer]?.older = node.older } else { newest = node.older }
        if node.older != Self.none { nodes[node.older]?.newer = node.newer } else { oldest = node.newer }
    }
}

extension LeastRecentlyUsed: Sendable where Key: Sendable, Value: Sendable {}
extension LeastRecentlyUsed.Node: Sendable where Key: Sendable, Value: Sendable {}
