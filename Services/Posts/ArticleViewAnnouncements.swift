import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Hears the changes that the triggers of ``migrations`` announce on ``channel`` as their
/// transactions commit, whichever replica (or event) made them, through the cache's
/// ``ReadCoherence`` (which also keeps the replica's read lease), and tells the replica's
/// ``ArticleViewCache``.
struct ArticleViewAnnouncements: Service {
    static let channel = "article_views"
    let cache: ArticleViewCache
    let coherence: ReadCoherence
    let logger: Logger

    func run() async throws {
        await coherence.runUntilShutdown(logger: logger, change: Self.change(announced:), everything: .everything) { cache.forget($0) }
    }

    /// What ``SearchIndexBackfill`` announces after each batch of articles it indexed.
    static let searchIndexChanged = "s"

    /// The change a payload names: `a:<slug>`, `u:<author id>`, `*`, `s` (articles newly indexed for search), or a reader's
    /// favorite or follow, `f+:`/`f-:<reader id>:<article id>:<n>` and `w+:`/`w-:<reader id>:<author id>:<n>`
    /// (`n` numbers the announcements: PostgreSQL delivers only the first of identical ones in a
    /// transaction, and a favorite, its removal and the favorite again must all arrive).
    static func change(announced payload: String) -> ArticleViewCache.Change? {
        if payload == "*" { return .everything }
        if payload == searchIndexChanged { return .searchIndex }
        let (kind, key) = (payload.prefix(2), String(payload.dropFirst(2)))
        switch kind {
        case "a:": return .article(slug: key)
        case "u:": return UUID(uuidString: key).map(ArticleViewCache.Change.author)
        case "f+", "f-", "w+", "w-":
            let ids = key.split(separator: ":")
            guard ids.count == 3, let reader = UUID(uuidString: String(ids[0])), let other = UUID(uuidString: String(ids[1])), Int(ids[2]) != nil
            else { return nil }
            let added = kind.hasSuffix("+")
            return kind.hasPrefix("f")
                ? .favorite(reader: reader, article: other, favorited: added) : .follow(reader: reader, author: other, following: added)
        default: return nil
        }
    }

    /// The triggers that announce every change of what an article's view shows, as nobody in
    /// particular sees it: the article (its favorites' count included) and its author's profile
    /// (from the `users` projection); and what each reader favorited and follows, which their
    /// flags come from.
    static let migrations = MigrationGroup(
        "article_view_announcements",
        [
            Migration(
                name: "announce the changes of what an article's view shows",
                statements: [
                    """
                    CREATE FUNCTION announce_article_view_change() RETURNS trigger
                    LANGUAGE plpgsql
                    AS $$
                    BEGIN
                        IF TG_OP = 'TRUNCATE' THEN
                            PERFORM pg_notify('\(unescaped: channel)', '*');
                        ELSIF TG_TABLE_NAME = 'articles' THEN
                            IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('\(unescaped: channel)', 'a:' || OLD.slug); END IF;
                            IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('\(unescaped: channel)', 'a:' || NEW.slug); END IF;
                        ELSIF TG_TABLE_NAME = 'users' THEN
                            PERFORM pg_notify('\(unescaped: channel)', 'u:' || NEW.id);
                        ELSIF TG_TABLE_NAME = 'favorites' THEN
                            PERFORM pg_notify('\(unescaped: channel)', 'v:' || CASE TG_OP WHEN 'DELETE' THEN OLD.user_id ELSE NEW.user_id END);
                        ELSIF TG_TABLE_NAME = 'follows' THEN
                            PERFORM pg_notify('\(unescaped: channel)', 'v:' || CASE TG_OP WHEN 'DELETE' THEN OLD.follower_id ELSE NEW.follower_id END);
                        END IF;
                        RETURN NULL;
                    END
                    $$
                    """,
                    // Not the search vector, which the backfill writes into every article.
                    """
                    CREATE TRIGGER articles_view_changed
                    AFTER INSERT OR DELETE OR UPDATE OF slug, title, description, body, tag_list, favorites_count, author_id, created_at, updated_at
                    ON articles FOR EACH ROW EXECUTE FUNCTION announce_article_view_change()
                    """,
                    """
                    CREATE TRIGGER users_profile_changed AFTER UPDATE OF username, bio, image ON users
                    FOR EACH ROW WHEN ((OLD.username, OLD.bio, OLD.image) IS DISTINCT FROM (NEW.username, NEW.bio, NEW.image))
                    EXECUTE FUNCTION announce_article_view_change()
                    """,
                    // A reader's own flags: what they favorited and whom they follow.
                    """
                    CREATE TRIGGER favorites_reader_changed AFTER INSERT OR DELETE ON favorites
                    FOR EACH ROW EXECUTE FUNCTION announce_article_view_change()
                    """,
                    """
                    CREATE TRIGGER follows_reader_changed AFTER INSERT OR DELETE ON follows
                    FOR EACH ROW EXECUTE FUNCTION announce_article_view_change()
                    """,
                ]
                    + ["articles", "users", "favorites", "follows"].map { table -> PostgresQuery in
                        """
                        CREATE TRIGGER \(unescaped: table)_truncated_view_changed AFTER TRUNCATE ON \(unescaped: table)
                        FOR EACH STATEMENT EXECUTE FUNCTION announce_article_view_change()
                        """
                    }
            ),
            // A reader's favorite or follow says what changed, so that a replica updates the sets
            // it holds instead of reading them again (thousands of rows for a busy reader).
            Migration(
                name: "announce what a reader favorited or follows",
                statements: [
                    "CREATE SEQUENCE reader_change_numbers",
                    """
                    CREATE FUNCTION announce_reader_change() RETURNS trigger
                    LANGUAGE plpgsql
                    AS $$
                    BEGIN
                        IF TG_TABLE_NAME = 'favorites' THEN
                            PERFORM pg_notify('\(unescaped: channel)', CASE TG_OP
                                WHEN 'DELETE' THEN 'f-:' || OLD.user_id || ':' || OLD.article_id
                                ELSE 'f+:' || NEW.user_id || ':' || NEW.article_id END || ':' || nextval('reader_change_numbers'));
                        ELSE
                            PERFORM pg_notify('\(unescaped: channel)', CASE TG_OP
                                WHEN 'DELETE' THEN 'w-:' || OLD.follower_id || ':' || OLD.followee_id
                                ELSE 'w+:' || NEW.follower_id || ':' || NEW.followee_id END || ':' || nextval('reader_change_numbers'));
                        END IF;
                        RETURN NULL;
                    END
                    $$
                    """,
                ]
                    + ["favorites", "follows"].flatMap { table -> [PostgresQuery] in
                        [
                            "DROP TRIGGER \(unescaped: table)_reader_changed ON \(unescaped: table)",
                            """
                            CREATE TRIGGER \(unescaped: table)_reader_changed AFTER INSERT OR DELETE ON \(unescaped: table)
                            FOR EACH ROW EXECUTE FUNCTION announce_reader_change()
                            """,
                        ]
                    }
            ),
        ]
    )
}
