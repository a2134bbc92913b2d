import Basics
import Foundation
import Metrics
import Settings
import Synchronization

/// What one replica holds of `GET /api/articles/{slug}`: each article as nobody in particular sees
/// it (with its author's profile, count of favorites and tags), keyed by slug, with the versions of
/// the article's and the author's rows it was read from. Bounded by what its entries take in memory;
/// drops what was read longest ago.
///
/// It is kept current by the changes announced on the database's ``ArticleViewAnnouncements``
/// channel, and by the replica's own writes as they commit (``forget(_:)``, before they answer).
/// While the announcements cannot be heard (before listening, and from a lost connection until it
/// listens again) it holds nothing and every read goes to the database; when listening begins it
/// starts empty, since whatever was announced in between was missed. A read that heard of any
/// change while it was under way does not store what it read, which may be older than the change.
final class ArticleViewCache: Sendable {
    struct Settings: Sendable {
        /// What the held articles may cost, roughly (``Entry/cost``), in bytes
        /// (`ARTICLE_VIEW_CACHE_MEGABYTES`; 0 turns the cache off). A bound in entries alone would let
        /// a few long bodies take any amount of memory.
        var bytes: Int

        init(megabytes: Int = 20) {
            bytes = megabytes << 20
        }

        init(environment: EnvironmentReader) throws(ConfigurationError) {
            self.init(megabytes: try environment.integer("ARTICLE_VIEW_CACHE_MEGABYTES", default: 20, in: 0...65_536))
        }
    }

    /// An article as nobody in particular sees it, and the versions of the rows it was read from.
    struct Entry: Sendable {
        var article: ArticleRecord
        var versions: ArticleVersions

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

    /// What makes held views stale, as announced by the database or done by this replica.
    enum Change: Equatable, Sendable {
        case article(slug: String)
        /// The author's username, bio or image.
        case author(UUID)
        case everything
    }

    private struct State {
        var listening = false
        /// Counts every change heard and every start and end of listening.
        var generation = 0
        var entries: LeastRecentlyUsed<String, Entry>
    }

    private let state: Mutex<State>
    let settings: Settings
    private let hits = Counter(label: "inkwell_article_cache_reads_total", dimensions: [("outcome", "hit")])
    private let misses = Counter(label: "inkwell_article_cache_reads_total", dimensions: [("outcome", "miss")])
    private let bypasses = Counter(label: "inkwell_article_cache_reads_total", dimensions: [("outcome", "bypass")])

    init(settings: Settings) {
        self.settings = settings
        state = Mutex(State(entries: LeastRecentlyUsed(capacity: settings.bytes)))
    }

    /// A point in the sequence of changes to store reads under, or nil while the cache is bypassed.
    func readingGeneration() -> Int? {
        guard settings.bytes > 0 else { return nil }
        return state.withLock { $0.listening ? $0.generation : nil }
    }

    func entry(slug: String) -> Entry? {
        state.withLock { $0.entries.value(for: slug) }
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
        state.withLock { state in
            guard state.listening, state.generation == generation else { return }
            state.entries.store(entry, for: entry.article.slug, cost: entry.cost)
        }
    }

    /// Drops what `changes` made stale, and keeps reads under way from storing what they read.
    func forget(_ changes: Change...) {
        state.withLock { state in
            state.generation += 1
            for change in changes {
                switch change {
                case .article(let slug): state.entries.remove(slug)
                case .author(let author): state.entries.removeAll { _, entry in entry.article.authorID == author }
                case .everything: state.entries.removeAll()
                }
            }
        }
    }

    /// Listening began (again): what was announced before is unknown, so nothing held is kept.
    func beganListening() {
        state.withLock { state in
            state.generation += 1
            state.entries.removeAll()
            state.listening = true
        }
    }

    /// Changes can no longer be heard: bypassed (and empty) until listening begins again.
    func stoppedListening() {
        state.withLock { state in
            state.generation += 1
            state.entries.removeAll()
            state.listening = false
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}

/// The versions (`xmin`) of an article's row and its author's: a view read from the same versions
/// shows what the database holds now.
struct ArticleVersions: Equatable, Sendable {
    var article: Int64
    var author: Int64
}
