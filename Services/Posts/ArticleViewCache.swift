import Basics
import Foundation
import Metrics
import Settings
import Synchronization

/// What one replica remembers of `GET /api/articles/{slug}`, so that a reader's request is answered
/// from memory: each article as nobody in particular sees it (its author's profile, count of
/// favorites and tags with it), keyed by slug, and each reader's relations (the articles they
/// favorited, the authors they follow), from which their flags are set. Both are bounded and drop
/// what was read longest ago.
///
/// It is kept current by the changes announced on the database's ``ArticleViewAnnouncements``
/// channel, and by the replica's own writes as they commit (``forget(_:)``, before they answer).
/// While the announcements cannot be heard (before listening, and from a lost connection until it
/// listens again) it holds nothing and every read goes to the database; when listening begins it
/// starts empty, since whatever was announced in between was missed. A read that heard of any
/// change while it was under way does not store what it read, which may be older than the change.
final class ArticleViewCache: Sendable {
    struct Settings: Sendable {
        /// The articles held (`ARTICLE_VIEW_CACHE_ENTRIES`; 0 turns the cache off).
        var articles: Int
        /// The ids (favorited articles and followed authors) held over all readers (`ARTICLE_VIEW_CACHE_READER_IDS`).
        var readerIDs: Int

        init(articles: Int = 10_000, readerIDs: Int = 1_000_000) {
            self.articles = articles
            self.readerIDs = readerIDs
        }

        init(environment: EnvironmentReader) throws(ConfigurationError) {
            articles = try environment.integer("ARTICLE_VIEW_CACHE_ENTRIES", default: 10_000, in: 0...10_000_000)
            readerIDs = try environment.integer("ARTICLE_VIEW_CACHE_READER_IDS", default: 1_000_000, in: 0...100_000_000)
        }
    }

    /// A reader's relations to articles and authors, complete (a reader with more than
    /// ``ArticleViewCache/maxIDsPerReader`` is not held; their flags come from the database).
    struct ReaderRelations: Sendable {
        var favorited: Set<UUID>
        var following: Set<UUID>

        var cost: Int { 1 + favorited.count + following.count }
    }

    /// What makes remembered views stale, as announced by the database or done by this replica.
    enum Change: Equatable, Sendable {
        case article(slug: String)
        /// The author's username, bio or image.
        case author(UUID)
        /// The reader's favorites or follows.
        case reader(UUID)
        case everything
    }

    private struct State {
        var listening = false
        /// Counts every change heard and every start and end of listening.
        var generation = 0
        var articles: LeastRecentlyUsed<String, ArticleRecord>
        var readers: LeastRecentlyUsed<UUID, ReaderRelations>
    }

    private let state: Mutex<State>
    let settings: Settings
    private let hits = Counter(label: "inkwell_article_cache_reads_total", dimensions: [("outcome", "hit")])
    private let misses = Counter(label: "inkwell_article_cache_reads_total", dimensions: [("outcome", "miss")])
    private let bypasses = Counter(label: "inkwell_article_cache_reads_total", dimensions: [("outcome", "bypass")])

    init(settings: Settings) {
        self.settings = settings
        state = Mutex(State(articles: LeastRecentlyUsed(capacity: settings.articles), readers: LeastRecentlyUsed(capacity: settings.readerIDs)))
    }

    /// One reader's share of ``Settings/readerIDs`` at most.
    var maxIDsPerReader: Int { min(10_000, settings.readerIDs) }

    /// A point in the sequence of changes to store reads under, or nil while the cache is bypassed.
    func readingGeneration() -> Int? {
        guard settings.articles > 0 else { return nil }
        return state.withLock { $0.listening ? $0.generation : nil }
    }

    /// The article as `reader` sees it, when both are held; counts a hit or a miss.
    func view(slug: String, reader: UUID?) -> (article: ArticleRecord?, relations: ReaderRelations?) {
        let found = state.withLock { state -> (ArticleRecord?, ReaderRelations?) in
            (state.articles.value(for: slug), reader.flatMap { state.readers.value(for: $0) })
        }
        (found.0 != nil && (reader == nil || found.1 != nil) ? hits : misses).increment()
        return found
    }

    func countBypass() { bypasses.increment() }

    /// Holds `article` (read as nobody in particular) unless a change was heard since `generation`.
    func store(_ article: ArticleRecord, readAt generation: Int) {
        state.withLock { state in
            guard state.listening, state.generation == generation else { return }
            state.articles.store(article, for: article.slug)
        }
    }

    func store(_ relations: ReaderRelations, of reader: UUID, readAt generation: Int) {
        state.withLock { state in
            guard state.listening, state.generation == generation else { return }
            state.readers.store(relations, for: reader, cost: relations.cost)
        }
    }

    /// Drops what `changes` made stale, and keeps reads under way from storing what they read.
    func forget(_ changes: Change...) {
        state.withLock { state in
            state.generation += 1
            for change in changes {
                switch change {
                case .article(let slug): state.articles.remove(slug)
                case .author(let author): state.articles.removeAll { _, article in article.authorID == author }
                case .reader(let reader): state.readers.remove(reader)
                case .everything:
                    state.articles.removeAll()
                    state.readers.removeAll()
                }
            }
        }
    }

    /// Listening began (again): what was announced before is unknown, so nothing held is kept.
    func beganListening() {
        forget(.everything)
        state.withLock { $0.listening = true }
    }

    /// Changes can no longer be heard: bypassed (and empty) until listening begins again.
    func stoppedListening() {
        state.withLock { $0.listening = false }
        forget(.everything)
    }

    var count: (articles: Int, readers: Int, readerIDs: Int) {
        state.withLock { ($0.articles.count, $0.readers.count, $0.readers.totalCost) }
    }
}

extension ArticleRecord {
    /// The article as `reader` sees it, from its view as nobody in particular.
    func seen(with relations: ArticleViewCache.ReaderRelations?) -> ArticleRecord {
        guard let relations else { return self }
        var article = self
        article.favorited = relations.favorited.contains(id)
        article.author.following = relations.following.contains(authorID)
        return article
    }
}
