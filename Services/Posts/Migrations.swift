import Authentication
import Messaging
import Persistence

/// The posts service's schema: the groups of its tables, each after those it depends on, then its numbering
/// from before groups. Never edit an applied migration: add a new one at the end of its group.
enum PostsMigrations {
    static let schema = DatabaseSchema(
        [
            Outbox.migrations,
            EventConsumer.migrations,
            UserProjection.migrations,
            ProjectedTokenRevocations.migrations(),
            TokenRevocationAnnouncements.migrations(),
            own,
            ArticleViewAnnouncements.migrations,
            ReadCoherence.migrations,
        ],
        // Frozen: flat version n of the databases migrated before groups was the n-th.
        legacyFlatOrder: [
            Outbox.migrations.version(1),
            EventConsumer.migrations.version(1),
            UserProjection.migrations.version(1),
            own.version(1),
            Outbox.migrations.version(2),
            ProjectedTokenRevocations.migrations().version(1),
            Outbox.migrations.version(3),
            own.version(2),
            own.version(3),
            UserProjection.migrations.version(2),
            own.version(4),
            TokenRevocationAnnouncements.migrations().version(1),
        ]
    )

    /// The service's own tables.
    static let own = MigrationGroup(
        "posts",
        [
            Migration(
                name: "create_articles",
                statements: [
                    """
                    CREATE TABLE articles (
                        id uuid PRIMARY KEY,
                        slug text NOT NULL,
                        title text NOT NULL,
                        description text NOT NULL,
                        body text NOT NULL,
                        tag_list text[] NOT NULL DEFAULT '{}',
                        author_id uuid NOT NULL REFERENCES users (id),
                        favorites_count integer NOT NULL DEFAULT 0,
                        created_at timestamptz NOT NULL,
                        updated_at timestamptz NOT NULL
                    )
                    """,
                    "CREATE UNIQUE INDEX articles_slug_unique ON articles (slug)",
                    // Lists are newest first: (created_at, id) orders them fully.
                    "CREATE INDEX articles_newest ON articles (created_at DESC, id DESC)",
                    "CREATE INDEX articles_by_author ON articles (author_id, created_at DESC, id DESC)",
                    // A copy of the article's time, so that a tag's articles come newest first from the index alone.
                    """
                    CREATE TABLE article_tags (
                        tag text NOT NULL,
                        article_id uuid NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                        created_at timestamptz NOT NULL,
                        PRIMARY KEY (article_id, tag)
                    )
                    """,
                    "CREATE INDEX article_tags_newest ON article_tags (tag, created_at DESC, article_id DESC)",
                    """
                    CREATE TABLE favorites (
                        user_id uuid NOT NULL,
                        article_id uuid NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                        PRIMARY KEY (user_id, article_id)
                    )
                    """,
                    "CREATE INDEX favorites_by_article ON favorites (article_id)",
                    // Counts kept with every change, so that a list's total never counts rows.
                    "CREATE TABLE tags (name text PRIMARY KEY, articles_count integer NOT NULL DEFAULT 0)",
                    "CREATE INDEX tags_popular ON tags (articles_count DESC, name)",
                    "CREATE TABLE article_totals (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), articles_count bigint NOT NULL)",
                    "INSERT INTO article_totals (articles_count) VALUES (0)",
                ]),
            Migration(
                name: "newest_articles_with_one_plan",
                statements: [
                    // The home page's list and the total of articles, planned once per connection. As a prepared statement, its
                    // `LIMIT $2` made PostgreSQL plan it anew on every execution (a generic plan is costed
                    // for 10% of the rows), and the planning cost twice the execution. A function may
                    // set `plan_cache_mode` for its own queries; a session could not (the filtered lists
                    // need their custom plans).
                    """
                    CREATE FUNCTION newest_articles(viewer uuid, page_limit bigint, page_offset bigint)
                    RETURNS TABLE (
                        id uuid, slug text, title text, description text, tag_list text[], created_at timestamptz, updated_at timestamptz,
                        favorites_count integer, author_id uuid, username text, bio text, image text, following boolean, favorited boolean,
                        total bigint
                    )
                    LANGUAGE plpgsql STABLE
                    SET plan_cache_mode = force_generic_plan
                    AS $$
                    BEGIN
                        RETURN QUERY
                        SELECT a.id, a.slug, a.title, a.description, a.tag_list, a.created_at, a.updated_at, a.favorites_count,
                            a.author_id, u.username, u.bio, u.image,
                            EXISTS (SELECT 1 FROM follows fw WHERE fw.follower_id = viewer AND fw.followee_id = a.author_id),
                            EXISTS (SELECT 1 FROM favorites fv WHERE fv.user_id = viewer AND fv.article_id = a.id),
                            (SELECT t.articles_count FROM article_totals t)
                        FROM (SELECT * FROM articles na ORDER BY na.created_at DESC, na.id DESC LIMIT page_limit OFFSET page_offset) a
                        JOIN users u ON u.id = a.author_id
                        ORDER BY a.created_at DESC, a.id DESC;
                    END
                    $$
                    """
                ]),
            Migration(
                name: "newest_articles_by_the_index",
                statements: [
                    // The generic plan costs `LIMIT page_limit` at 10% of the articles; once the
                    // statistics grew large it chose a parallel scan of every article and a sort over the
                    // newest-first index, many times slower. With sorts priced out, only the
                    // index gives the order, whatever the statistics say.
                    "ALTER FUNCTION newest_articles(uuid, bigint, bigint) SET enable_sort = off"
                ]),
            Migration(
                name: "article_search",
                statements: [
                    // What search reads of an article: its title (weight A), description and tags (B: a
                    // tag is the author's own word for the topic, as the description is, but broader than
                    // a title) and body (C), each twice: as English stems, so that a word finds its other
                    // forms, and as written ('simple'), so that the words of other languages, and English
                    // stop words, are found as they are.
                    """
                    CREATE FUNCTION article_search_document(title text, description text, body text, tags text[]) RETURNS tsvector
                    LANGUAGE sql IMMUTABLE PARALLEL SAFE
                    RETURN setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('simple', title), 'A')
                        || setweight(to_tsvector('english', description), 'B') || setweight(to_tsvector('simple', description), 'B')
                        || setweight(to_tsvector('english', array_to_string(tags, ' ')), 'B')
                        || setweight(to_tsvector('simple', array_to_string(tags, ' ')), 'B')
                        || setweight(to_tsvector('english', body), 'C') || setweight(to_tsvector('simple', body), 'C')
                    """,
                    // A query of one lexeme, taken as it is (not parsed again).
                    #"""
                    CREATE FUNCTION search_lexeme(lexeme text) RETURNS tsquery
                    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
                    RETURN ('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''')::tsquery
                    """#,
                    // A search in websearch_to_tsquery's syntax ("a phrase", -word, or) whose every word
                    // matches as written or as its English stem: each word of the 'simple' query becomes
                    // (word | stem), so that "-dog" leaves out "dogs" as "dog" finds them. Immutable, so
                    // that PostgreSQL computes it once, while planning, and knows how many articles it
                    // will match.
                    """
                    CREATE FUNCTION article_search_query(search text) RETURNS tsquery
                    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
                    AS $$
                    DECLARE
                        matching tsquery := websearch_to_tsquery('simple', search);
                        word text;
                        stem text;
                    BEGIN
                        FOR word IN SELECT unnest(tsvector_to_array(to_tsvector('simple', search))) LOOP
                            stem := (ts_lexize('english_stem', word))[1];
                            IF stem <> word THEN
                                matching := ts_rewrite(matching, search_lexeme(word), search_lexeme(word) || search_lexeme(stem));
                            END IF;
                        END LOOP;
                        RETURN matching;
                    END
                    $$
                    """,
                    // Kept by a trigger rather than generated: only a change of the text computes it again
                    // (a generated column is computed on every update, each favorite's too), and adding it
                    // rewrites nothing. Existing articles get theirs from SearchIndexBackfill, in small
                    // batches once the service runs, not in this transaction, which would keep the table
                    // locked while it computed every article's.
                    "ALTER TABLE articles ADD COLUMN search_vector tsvector",
                    """
                    CREATE FUNCTION articles_search_vector() RETURNS trigger
                    LANGUAGE plpgsql
                    AS $$
                    BEGIN
                        NEW.search_vector := article_search_document(NEW.title, NEW.description, NEW.body, NEW.tag_list);
                        RETURN NEW;
                    END
                    $$
                    """,
                    """
                    CREATE TRIGGER articles_search_vector BEFORE INSERT OR UPDATE OF title, description, body, tag_list ON articles
                    FOR EACH ROW EXECUTE FUNCTION articles_search_vector()
                    """,
                    "CREATE INDEX articles_search ON articles USING gin (search_vector)",
                    // The articles the backfill has still to do, newest first.
                    "CREATE INDEX articles_search_pending ON articles (created_at DESC, id DESC) WHERE search_vector IS NULL",
                ]),
            Migration(
                name: "feed_totals",
                statements: [
                    // How many articles each author has, and each reader's feed (the articles of the
                    // authors they follow): the feed's total is then one row. Kept by triggers rather
                    // than by the writes' code, so that a replica from before this migration, still
                    // writing during a rolling upgrade, keeps them right too, and per statement (a
                    // seed of a million articles updates each counter once).
                    "CREATE TABLE author_totals (author_id uuid PRIMARY KEY, articles_count bigint NOT NULL)",
                    "CREATE TABLE feed_totals (follower_id uuid PRIMARY KEY, articles_count bigint NOT NULL)",
                    // An article's followers, whose feeds count it (without it, each article written read
                    // every follow: 0.6 s per article at 2,000,000 follows).
                    "CREATE INDEX follows_by_followee ON follows (followee_id, follower_id)",
                    // An author's counter is changed (and so locked) before the feeds': a follow of
                    // that author at the same time locks it too before counting (below), so each
                    // article is counted in the new follower's feed exactly once, by whichever
                    // statement waits for the other and then sees its change (each statement of a
                    // volatile function reads what committed before it began). Rows are locked in
                    // key order, so two writers never wait on each other in a cycle.
                    """
                    CREATE FUNCTION count_articles_in_feeds() RETURNS trigger
                    LANGUAGE plpgsql
                    AS $$
                    DECLARE
                        change int := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
                    BEGIN
                        INSERT INTO author_totals (author_id, articles_count)
                        SELECT author_id, change * count(*) FROM changed GROUP BY author_id ORDER BY author_id
                        ON CONFLICT (author_id) DO UPDATE SET articles_count = author_totals.articles_count + EXCLUDED.articles_count;
                        INSERT INTO feed_totals (follower_id, articles_count)
                        SELECT f.follower_id, change * count(*) FROM changed JOIN follows f ON f.followee_id = changed.author_id
                        GROUP BY f.follower_id ORDER BY f.follower_id
                        ON CONFLICT (follower_id) DO UPDATE SET articles_count = feed_totals.articles_count + EXCLUDED.articles_count;
                        RETURN NULL;
                    END
                    $$
                    """,
                    """
                    CREATE FUNCTION count_followed_articles() RETURNS trigger
                    LANGUAGE plpgsql
                    AS $$
                    DECLARE
                        change int := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
                    BEGIN
                        INSERT INTO author_totals (author_id, articles_count)
                        SELECT DISTINCT followee_id, 0 FROM changed ORDER BY followee_id
                        ON CONFLICT (author_id) DO UPDATE SET articles_count = author_totals.articles_count;
                        INSERT INTO feed_totals (follower_id, articles_count)
                        SELECT c.follower_id, change * sum(t.articles_count) FROM changed c JOIN author_totals t ON t.author_id = c.followee_id
                        GROUP BY c.follower_id ORDER BY c.follower_id
                        ON CONFLICT (follower_id) DO UPDATE SET articles_count = feed_totals.articles_count + EXCLUDED.articles_count;
                        RETURN NULL;
                    END
                    $$
                    """,
                    """
                    CREATE TRIGGER articles_counted_when_written AFTER INSERT ON articles REFERENCING NEW TABLE AS changed
                    FOR EACH STATEMENT EXECUTE FUNCTION count_articles_in_feeds()
                    """,
                    """
                    CREATE TRIGGER articles_counted_when_deleted AFTER DELETE ON articles REFERENCING OLD TABLE AS changed
                    FOR EACH STATEMENT EXECUTE FUNCTION count_articles_in_feeds()
                    """,
                    """
                    CREATE TRIGGER follows_counted_when_followed AFTER INSERT ON follows REFERENCING NEW TABLE AS changed
                    FOR EACH STATEMENT EXECUTE FUNCTION count_followed_articles()
                    """,
                    """
                    CREATE TRIGGER follows_counted_when_unfollowed AFTER DELETE ON follows REFERENCING OLD TABLE AS changed
                    FOR EACH STATEMENT EXECUTE FUNCTION count_followed_articles()
                    """,
                    // The triggers hold both tables' locks from here on, so nothing is written between these counts and them.
                    "INSERT INTO author_totals (author_id, articles_count) SELECT author_id, count(*) FROM articles GROUP BY author_id",
                    """
                    INSERT INTO feed_totals (follower_id, articles_count)
                    SELECT f.follower_id, sum(t.articles_count) FROM follows f JOIN author_totals t ON t.author_id = f.followee_id GROUP BY f.follower_id
                    """,
                ]),
            Migration(
                name: "room for a favorite's count on the article's page",
                statements: [
                    // A favorite updates only favorites_count, which no index holds: with room on the
                    // row's page the new version stays there (a HOT update) and no index is written,
                    // the search index's GIN entries included. Full pages sent nearly every first
                    // favorite of an article elsewhere (7% HOT in the soak). Pages written from here on
                    // keep the room; rows already written move once, at their first update.
                    "ALTER TABLE articles SET (fillfactor = 80)"
                ]),
        ]
    )
}
