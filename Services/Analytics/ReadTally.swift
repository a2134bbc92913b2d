import Events
import Foundation
import Synchronization

/// The reads counted since the last batch went to the event log, in memory only: per day and
/// slug, how many and a sketch of who. Bounded: past `maxArticles` slugs in one batch, further
/// slugs' reads are dropped (and counted as dropped) until the batch is published.
final class ReadTally: Sendable {
    struct Key: Hashable, Sendable {
        let day: Day
        let slug: String
    }

    struct Counts: Sendable, Equatable {
        var reads = 0
        var readers = ReaderSketch()

        mutating func merge(_ other: Counts) {
            reads += other.reads
            readers.merge(other.readers)
        }
    }

    let maxArticles: Int
    private let pending = Mutex<[Key: Counts]>([:])

    init(maxArticles: Int) {
        self.maxArticles = maxArticles
    }

    /// Counts one read; false when it was dropped because the batch is full.
    @discardableResult
    func count(slug: String, readerHash: UInt64, on day: Day) -> Bool {
        let key = Key(day: day, slug: slug)
        return pending.withLock { pending in
            if pending[key] == nil, pending.count >= maxArticles { return false }
            pending[key, default: Counts()].reads += 1
            pending[key]!.readers.add(hash: readerHash)
            return true
        }
    }

    /// Everything counted so far, leaving the tally empty.
    func take() -> [Key: Counts] {
        pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
    }

    /// Counts that could not be published go back, to be tried with the next batch.
    func putBack(_ counts: [Key: Counts]) {
        pending.withLock { pending in
            for (key, value) in counts { pending[key, default: Counts()].merge(value) }
        }
    }

    static func event(_ key: Key, _ counts: Counts) -> ArticleRead {
        ArticleRead(slug: key.slug, day: key.day.string, reads: counts.reads, readers: counts.readers.packed)
    }
}
