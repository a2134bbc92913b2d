import Authentication
import Messaging
import Persistence

/// The posts service's schema, in order. Never edit an applied migration: add a new one.
enum PostsMigrations {
    static let all: [Migration] = [
        Outbox.migration(version: 1),
        EventConsumer.migration(version: 2),
        UserProjection.migration(version: 3),
        Migration(
            version: 4, name: "create_articles",
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
        Outbox.setAsideMigration(version: 5),
        ProjectedTokenRevocations.migration(version: 6),
        Outbox.topicIncarnationsMigration(version: 7),
        Migration(
            version: 8, name: "newest_articles_with_one_plan",
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
            version: 9, name: "newest_articles_by_the_index",
            statements: [
                // The generic plan costs `LIMIT page_limit` at 10% of the articles; once the
                // statistics grew past ~100,000 rows it chose a parallel scan of every article and a
                // sort (42 ms) over the newest-first index (0.5 ms). With sorts priced out, only the
                // index gives the order, whatever the statistics say.
                "ALTER FUNCTION newest_articles(uuid, bigint, bigint) SET enable_sort = off"
            ]),
        UserProjection.followVersionsMigration(version: 10),
    ]
}
