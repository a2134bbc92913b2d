import Testing

@testable import Basics

struct LeastRecentlyUsedTests {
    @Test func beyondItsCapacityItDropsWhatWasReadOrStoredLongestAgo() {
        var cache = LeastRecentlyUsed<String, Int>(capacity: 3)
        for (value, key) in ["a", "b", "c"].enumerated() { cache.store(value, for: key) }
        #expect(cache.value(for: "a") == 0, "now the newest")
        cache.store(3, for: "d")
        #expect(cache.value(for: "b") == nil, "the oldest, dropped")
        #expect(cache.value(for: "a") == 0 && cache.value(for: "c") == 2 && cache.value(for: "d") == 3)
        #expect(cache.count == 3)

        cache.store(4, for: "c")
        #expect(cache.value(for: "c") == 4 && cache.count == 3, "stored again in its place")
        cache.remove("a")
        cache.removeAll { _, value in value == 3 }
        #expect(cache.count == 1 && cache.value(for: "c") == 4)
        cache.removeAll()
        #expect(cache.count == 0 && cache.totalCost == 0)
    }

    @Test func costsBoundTheTotal() {
        var cache = LeastRecentlyUsed<Int, String>(capacity: 10)
        cache.store("big", for: 1, cost: 6)
        cache.store("small", for: 2, cost: 3)
        cache.store("medium", for: 3, cost: 4)
        #expect(cache.value(for: 1) == nil && cache.totalCost == 7)
        cache.store("too big", for: 4, cost: 11)
        #expect(cache.value(for: 4) == nil && cache.count == 2, "never held, and nothing dropped for it")
        for key in 10..<1000 { cache.store("\(key)", for: key) }
        #expect(cache.count == 10 && cache.totalCost == 10)
        #expect(cache.value(for: 999) == "999" && cache.value(for: 989) == nil)
    }
}
