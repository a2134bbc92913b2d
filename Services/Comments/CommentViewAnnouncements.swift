import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Hears the changes that the triggers of ``migrations`` announce on ``channel`` as their
/// transactions commit, whichever replica (or event) made them, through the cache's
/// ``ReadCoherence`` (which also keeps the replica's read lease), and tells the replica's
/// ``CommentViewCache``.
struct CommentViewAnnouncements: Service {
    static let channel = "comment_views"
    let cache: CommentViewCache
    let coherence: ReadCoherence
    let logger: Logger

    func run() async throws {
        await coherence.runUntilShutdown(logger: logger, change: Self.change(announced:), everything: .everything) { cache.forget($0) }
    }

    /// The change a trigger's payload names: `c:<article id>`, `u:<user id>`, `v:<reader id>` or `*`.
    static func change(announced payload: String) -> CommentViewCache.Change? {
        if payload == "*" { return .everything }
        let (kind, key) = (payload.prefix(2), String(payload.dropFirst(2)))
        switch kind {
        case "c:": return UUID(uuidString: key).map(CommentViewCache.Change.article)
        case "u:": return UUID(uuidString: key) == nil ? nil : .author
        case "v:": return UUID(uuidString: key).map(CommentViewCache.Change.reader)
        default: return nil
        }
    }

    /// The triggers that announce every change of what a thread of comments shows, and of whom
    /// each reader follows.
    static let migrations = MigrationGroup(
        "comment_view_announcements",
        [
            Migration(
                name: "announce the changes of what a thread of comments shows",
                statements: [
                    """
                    CREATE FUNCTION announce_comment_view_change() RETURNS trigger
                    LANGUAGE plpgsql
                    AS $$
                    BEGIN
                        IF TG_OP = 'TRUNCATE' THEN
                            PERFORM pg_notify('\(unescaped: channel)', '*');
                        ELSIF TG_TABLE_NAME = 'comments' THEN
                            IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('\(unescaped: channel)', 'c:' || OLD.article_id); END IF;
                            IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('\(unescaped: channel)', 'c:' || NEW.article_id); END IF;
                        ELSIF TG_TABLE_NAME = 'deleted_articles' THEN
                            PERFORM pg_notify('\(unescaped: channel)', 'c:' || NEW.article_id);
                        ELSIF TG_TABLE_NAME = 'users' THEN
                            PERFORM pg_notify('\(unescaped: channel)', 'u:' || NEW.id);
                        ELSIF TG_TABLE_NAME = 'follows' THEN
                            PERFORM pg_notify('\(unescaped: channel)', 'v:' || CASE TG_OP WHEN 'DELETE' THEN OLD.follower_id ELSE NEW.follower_id END);
                        END IF;
                        RETURN NULL;
                    END
                    $$
                    """,
                    """
                    CREATE TRIGGER comments_view_changed AFTER INSERT OR DELETE OR UPDATE ON comments
                    FOR EACH ROW EXECUTE FUNCTION announce_comment_view_change()
                    """,
                    """
                    CREATE TRIGGER deleted_articles_view_changed AFTER INSERT ON deleted_articles
                    FOR EACH ROW EXECUTE FUNCTION announce_comment_view_change()
                    """,
                    """
                    CREATE TRIGGER users_profile_changed AFTER UPDATE OF username, bio, image ON users
                    FOR EACH ROW WHEN ((OLD.username, OLD.bio, OLD.image) IS DISTINCT FROM (NEW.username, NEW.bio, NEW.image))
                    EXECUTE FUNCTION announce_comment_view_change()
                    """,
                    """
                    CREATE TRIGGER follows_reader_changed AFTER INSERT OR DELETE ON follows
                    FOR EACH ROW EXECUTE FUNCTION announce_comment_view_change()
                    """,
                ]
                    + ["comments", "deleted_articles", "users", "follows"].map { table -> PostgresQuery in
                        """
                        CREATE TRIGGER \(unescaped: table)_truncated_view_changed AFTER TRUNCATE ON \(unescaped: table)
                        FOR EACH STATEMENT EXECUTE FUNCTION announce_comment_view_change()
                        """
                    }
            )
        ]
    )
}
