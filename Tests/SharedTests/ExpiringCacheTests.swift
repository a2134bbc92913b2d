import Testing

@testable import Basics

@Suite struct ExpiringCacheTests {
    let start = ContinuousClock.now

    @Test func anEntryLastsUntilItsInstant() {
        let cache = ExpiringCache<String, Int>(capacity: 8)
        cache.store(1, for: "a", until: start + .seconds(10), now: start)
        #expect(cache.value(for: "a", now: start + .seconds(9)) == 1)
        #expect(cache.value(for: "a", now: start + .seconds(10)) == nil)
        #expect(cache.count == 0)
        cache.store(2, for: "b", until: start, now: start)
        #expect(cache.value(for: "b", now: start) == nil)
    }

    @Test func aFullCacheDropsTheExpiredFirstAndEverythingWhenThatIsNotEnough() {
        let cache = ExpiringCache<Int, Int>(capacity: 4)
        for key in 0..<3 { cache.store(key, for: key, until: start + .seconds(1), now: start) }
        cache.store(3, for: 3, until: start + .seconds(100), now: start)
        // Full: the three expired entries go, the live one stays.
        cache.store(4, for: 4, until: start + .seconds(100), now: start + .seconds(2))
        #expect(cache.count == 2)
        #expect(cache.value(for: 3, now: start + .seconds(2)) == 3)
        for key in 5..<7 { cache.store(key, for: key, until: start + .seconds(100), now: start + .seconds(2)) }
        // Full of live entries: all go, so a cache in steady overflow does not filter on every store.
        cache.store(7, for: 7, until: start + .seconds(100), now: start + .seconds(2))
        #expect(cache.count == 1)
        #expect(cache.value(for: 7, now: start + .seconds(2)) == 7)
        // Replacing a key never evicts.
        for key in 8..<11 { cache.store(key, for: key, until: start + .seconds(100), now: start + .seconds(2)) }
        cache.store(70, for: 7, until: start + .seconds(100), now: start + .seconds(2))
        #expect(cache.count == 4)
        #expect(cache.value(for: 7, now: start + .seconds(2)) == 70)
    }

    @Test func shortLivedEntriesDoNotPileUpTowardsTheCapacity() {
        let cache = ExpiringCache<Int, Int>(capacity: 10_000)
        var largest = 0
        for second in 0..<1_000 {
            let now = start + .seconds(second)
            cache.store(second, for: second, until: now + .seconds(5), now: now)
            largest = max(largest, cache.count)
        }
        #expect(largest <= ExpiringCache<Int, Int>.smallestSweep, "about 5 live at a time; held \(largest)")
        #expect(cache.value(for: 999, now: start + .seconds(999)) == 999)
        #expect(cache.value(for: 995, now: start + .seconds(999)) == 995)
    }
}
