import Basics
import Foundation
import Metrics
import Persistence
import Settings

/// What one replica holds of the reads it answers most: each article as nobody in particular sees
/// it (with its author's profile, count of favorites and tags), keyed by slug; pages of the lists
/// and searches but the feed, likewise (a page missing is read once however many ask for it at
/// once); each recent reader's favorites and follows (up to
/// ``Settings/heldPerReader`` of each), for the flags of what they read; and the list of tags. Bounded by what
/// its entries take in memory; drops what was read longest ago.
///
/// It is kept current by the changes announced on the database's ``ArticleViewAnnouncements``
/// channel, its own writes' included. It is read only while the replica's ``ReadCoherence`` lease
/// says it heard every write answered so far (every replica waits for all, itself included, to
/// hear its writes before answering them); otherwise every read
/// goes to the database, and when it may be read again it starts empty. A read that heard of any
/// change while it was under way does not store what it read, which may be older than the change.
final class ArticleViewCache: Sendable {
    struct Settings: Sendable {
        /// What the held articles may cost, roughly (``Entry/cost``), in bytes
        /// (`ARTICLE_VIEW_CACHE_MEGABYTES`; 0 turns the cache off). A bound in entries alone would let
        /// a few long bodies take any amount of memory. The pages of lists, and the readers'
        /// favorites and follows, may each take a quarter of it besides.
        var bytes: Int
        /// How many favorites, and how many follows, of one reader are held (400 KB for 10,000):
        /// the readers' share of ``bytes`` is not taken by a few. A reader with more has that set
        /// asked of the database for each page's articles instead. A held set is read once and then
        /// kept by the announced changes (reading it again after each favorite made every read of
        /// a reader with thousands of them slower the more they had).
        var heldPerReader: Int

        init(megabytes: Int = 8, heldPerReader: Int = 10_000) {
            bytes = megabytes << 20
            self.heldPerReader = heldPerReader
        }

        init(environment: EnvironmentReader) throws(ConfigurationError) {
            self.init(megabytes: try environment.integer("ARTICLE_VIEW_CACHE_MEGABYTES", default: 8, in: 0...65_536))
        }
    }

    /// An article as nobody in particular sees it.
    struct Entry: Sendable {
        var article: ArticleRecord

        /// Roughly what the entry takes in memory: its text, and what any entry takes besides (the
        /// record, the strings' storage, the list's node and the index's slot), measured with the
        /// seeded articles of the benchmarks.
        var cost: Int {
            let texts =
                [article.slug, article.title, article.description, article.body ?? "", article.author.username, article.author.bio]
                + [article.author.image] + article.tagList
            return texts.reduce(Self.fixedCost) { $0 + $1.utf8.count }
        }

        static let fixedCost = 1024
    }

    /// A page of a list, as nobody in particular sees it, and the list's total.
    struct ListPage: Sendable {
        var articles: [ArticleRecord]
        var count: Int

        var cost: Int { articles.reduce(Entry.fixedCost) { $0 + Entry(article: $1).cost } }
    }

    struct ListKey: Hashable, Sendable {
        var tag: String?
        var author: String?
        var favoritedBy: String?
        var search: String?
        var limit: Int
        var offset: Int
    }

    /// A page's read from the database, under the generation it will be stored at: a reader joins
    /// a read under way only when no change was heard since it started.
    struct ListRead: Hashable, Sendable {
        var key: ListKey
        var generation: Int
    }

    /// What a reader favorited and whom they follow: what their flags are read from. A set is nil
    /// when the reader has more than ``Settings/heldPerReader`` of them.
    struct Reader: Sendable {
        var favorites: Set<UUID>?
        var following: Set<UUID>?

        var cost: Int { Self.fixedCost + ((favorites?.count ?? 0) + (following?.count ?? 0)) * 40 }

        /// Records that `id` is in the set at `set` or no longer is; a set that grows past `limit` is no longer held.
        mutating func record(_ id: UUID, in set: WritableKeyPath<Reader, Set<UUID>?>, _ isIn: Bool, holdingAtMost limit: Int) {
            guard var held = self[keyPath: set] else { return }
            if isIn { held.insert(id) } else { held.remove(id) }
            self[keyPath: set] = held.count > limit ? nil : held
        }
        static let fixedCost = 256
    }

    /// What makes held reads stale, as announced by the database or done by this replica.
    enum Change: Equatable, Sendable {
        case article(slug: String)
        /// The author's username, bio or image.
        case author(UUID)
        /// The reader favorited the article, or no longer does.
        case favorite(reader: UUID, article: UUID, favorited: Bool)
        /// The reader follows the author, or no longer does.
        case follow(reader: UUID, author: UUID, following: Bool)
        /// Articles written before search existed were given their search vectors.
        case searchIndex
        case everything
    }

    private struct Contents: Sendable {
        var entries: LeastRecentlyUsed<String, Entry>
        var readers: LeastRecentlyUsed<UUID, Reader>
        var lists: LeastRecentlyUsed<ListKey, ListPage>
        var tags: [String]?

        /// Changes what is held of `id`'s favorites and follows, if anything.
        mutating func updateReader(_ id: UUID, _ change: (inout Reader) -> Void) {
            guard var reader = readers.remove(id) else { return }
            change(&reader)
            readers.store(reader, for: id, cost: reader.cost)
        }
    }

    private let memory: LeasedMemory<Contents>
    let settings: Settings
    let listReads = ReadsInFlight<ListRead, ListPage>()
    private let hits = Counter(label: "inkwell_article_cache_reads_total", dimensions: [("outcome", "hit")])
    private let misses = Counter(label: "inkwell_article_cache_reads_total", dimensions: [("outcome", "miss")])
    private let bypasses = Counter(label: "inkwell_article_cache_reads_total", dimensions: [("outcome", "bypass")])

    /// - Parameter coherence: whether this replica may answer from memory; nil (or a 0 bound) turns the cache off.
    init(settings: Settings, coherence: ReadCoherence?) {
        self.settings = settings
        let bytes = settings.bytes
        memory = LeasedMemory(coherence: bytes > 0 ? coherence : nil) {
            Contents(
                entries: LeastRecentlyUsed(capacity: bytes), readers: LeastRecentlyUsed(capacity: bytes / 4),
                lists: LeastRecentlyUsed(capacity: bytes / 4))
        }
    }

    /// A point in the sequence of changes to store reads under, or nil while the cache is bypassed.
    func readingGeneration() -> Int? {
        memory.readingGeneration()
    }

    func entry(slug: String) -> Entry? {
        memory.read { $0.entries.value(for: slug) }
    }

    func reader(_ id: UUID) -> Reader? {
        memory.read { $0.readers.value(for: id) }
    }

    var tags: [String]? {
        memory.read { $0.tags }
    }

    func list(_ key: ListKey) -> ListPage? {
        memory.read { $0.lists.value(for: key) }
    }

    enum Outcome { case hit, miss, bypass }

    func count(_ outcome: Outcome) {
        switch outcome {
        case .hit: hits.increment()
        case .miss: misses.increment()
        case .bypass: bypasses.increment()
        }
    }

    /// Holds `entry` unless a change was heard since `generation`; the reader's flags are left out.
    func store(_ entry: Entry, readAt generation: Int) {
        var entry = entry
        entry.article.favorited = false
        entry.article.author.following = false
        memory.store(readAt: generation) { $0.entries.store(entry, for: entry.article.slug, cost: entry.cost) }
    }

    func store(_ reader: Reader, of id: UUID, readAt generation: Int) {
        memory.store(readAt: generation) { $0.readers.store(reader, for: id, cost: reader.cost) }
    }

    func store(_ page: ListPage, for key: ListKey, readAt generation: Int) {
        memory.store(readAt: generation) { $0.lists.store(page, for: key, cost: page.cost) }
    }

    func store(tags: [String], readAt generation: Int) {
        memory.store(readAt: generation) { $0.tags = tags }
    }

    /// Drops what `change` made stale, and keeps reads under way from storing what they read.
    func forget(_ change: Change) {
        memory.forget { contents in
            switch change {
            case .article(let slug):
                contents.entries.remove(slug)
                contents.lists.removeAll()
                contents.tags = nil
            case .author(let author):
                contents.entries.removeAll { _, entry in entry.article.authorID == author }
                contents.lists.removeAll()
            case .favorite(let reader, let article, let favorited):
                contents.updateReader(reader) { $0.record(article, in: \.favorites, favorited, holdingAtMost: settings.heldPerReader) }
            case .follow(let reader, let author, let following):
                contents.updateReader(reader) { $0.record(author, in: \.following, following, holdingAtMost: settings.heldPerReader) }
            case .searchIndex:
                contents.lists.removeAll { key, _ in key.search != nil }
            case .everything:
                contents.entries.removeAll()
                contents.lists.removeAll()
                contents.readers.removeAll()
                contents.tags = nil
            }
        }
    }

    var count: Int { memory.read { $0.entries.count } }
}
