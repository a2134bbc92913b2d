import Basics
import Foundation
import Metrics
import Persistence

/// What one replica holds of `GET /api/articles/{slug}/comments`: each article's comments as
/// nobody in particular sees them (or that the article was deleted), and whom each recent reader
/// follows, for the flags of the comments' authors. Bounded by what its entries take in memory;
/// drops what was read longest ago.
///
/// It is read only while this replica's ``ReadCoherence`` lease lasts, and kept current by the
/// changes that ``CommentViewAnnouncements``' triggers announce: every write waits for every replica
/// to hear it before it is answered (``WritesHeardMiddleware``).
final class CommentViewCache: Sendable {
    /// An article's comments, newest first, or nil when the article's deletion has arrived.
    struct Thread: Sendable {
        var comments: [CommentRecord]?

        /// Roughly what the thread takes in memory: its text, and what each comment and the entry take besides.
        var cost: Int {
            (comments ?? []).reduce(256) { cost, comment in
                cost + 256 + comment.body.utf8.count + comment.author.username.utf8.count + comment.author.bio.utf8.count
                    + comment.author.image.utf8.count
            }
        }
    }

    enum Change: Equatable, Sendable {
        case article(UUID)
        /// A user's username, bio or image, which may show on any thread.
        case author
        /// Whom the reader follows.
        case reader(UUID)
        case everything
    }

    private struct Contents: Sendable {
        var threads: LeastRecentlyUsed<UUID, Thread>
        var following: LeastRecentlyUsed<UUID, Set<UUID>>
    }

    private let memory: LeasedMemory<Contents>
    private let hits = Counter(label: "inkwell_comment_cache_reads_total", dimensions: [("outcome", "hit")])
    private let misses = Counter(label: "inkwell_comment_cache_reads_total", dimensions: [("outcome", "miss")])

    /// - Parameters:
    ///   - bytes: what the held threads may cost (the readers' follows may take a quarter of it besides); 0 turns the cache off.
    ///   - coherence: whether this replica may answer from memory; nil turns the cache off.
    init(bytes: Int, coherence: ReadCoherence?) {
        memory = LeasedMemory(coherence: bytes > 0 ? coherence : nil) {
            Contents(threads: LeastRecentlyUsed(capacity: bytes), following: LeastRecentlyUsed(capacity: bytes / 4))
        }
    }

    func readingGeneration() -> Int? {
        memory.readingGeneration()
    }

    func thread(of article: UUID) -> Thread? {
        let held = memory.read { $0.threads.value(for: article) }
        (held == nil ? misses : hits).increment()
        return held
    }

    func following(of reader: UUID) -> Set<UUID>? {
        memory.read { $0.following.value(for: reader) }
    }

    /// Holds `thread` unless a change was heard since `generation`; the reader's flags are left out.
    func store(_ thread: Thread, of article: UUID, readAt generation: Int) {
        var thread = thread
        thread.comments = thread.comments?.map { comment in
            var comment = comment
            comment.author.following = false
            return comment
        }
        memory.store(readAt: generation) { $0.threads.store(thread, for: article, cost: thread.cost) }
    }

    func store(following: Set<UUID>, of reader: UUID, readAt generation: Int) {
        memory.store(readAt: generation) { $0.following.store(following, for: reader, cost: 256 + following.count * 40) }
    }

    func forget(_ change: Change) {
        memory.forget { contents in
            switch change {
            case .article(let article): contents.threads.remove(article)
            case .author: contents.threads.removeAll()
            case .reader(let reader): contents.following.remove(reader)
            case .everything:
                contents.threads.removeAll()
                contents.following.removeAll()
            }
        }
    }
}
