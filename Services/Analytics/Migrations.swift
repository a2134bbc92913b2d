import Authentication
import Messaging
import Persistence

/// The analytics service's schema: the groups of its tables, each after those it depends on, then its numbering
/// from before groups. Never edit an applied migration: add a new one at the end of its group.
/// The user projection is for tokens revoked by a new password or email; its follows tables stay empty.
enum AnalyticsMigrations {
    static let schema = DatabaseSchema(
        [
            EventConsumer.migrations,
            UserProjection.migrations,
            ProjectedTokenRevocations.migrations(),
            TokenRevocationAnnouncements.migrations(),
            own,
        ],
        // Frozen: flat version n of the databases migrated before groups was the n-th.
        legacyFlatOrder: [
            EventConsumer.migrations.version(1),
            UserProjection.migrations.version(1),
            ProjectedTokenRevocations.migrations().version(1),
            own.version(1),
            TokenRevocationAnnouncements.migrations().version(1),
        ]
    )

    /// The service's own tables.
    static let own = MigrationGroup(
        "analytics",
        [
            Migration(
                name: "create the articles projection and the daily counts",
                statements: [
                    // The articles as their events describe them: whose they are, and what they are called.
                    """
                    CREATE TABLE articles (
                        id uuid PRIMARY KEY,
                        slug text NOT NULL,
                        author_id uuid NOT NULL,
                        title text NOT NULL,
                        deleted boolean NOT NULL DEFAULT false
                    )
                    """,
                    // Reads name an article by its slug: the article that has it now.
                    "CREATE TABLE article_slugs (slug text PRIMARY KEY, article_id uuid NOT NULL)",
                    // One row per article and day (UTC) with anything to count. Counts are net: a
                    // favorite withdrawn, a comment deleted or an unfollow subtracts on its own day.
                    // readers: the day's HyperLogLog sketch (ReaderSketch.stored); unique_readers its
                    // estimate.
                    """
                    CREATE TABLE article_days (
                        article_id uuid NOT NULL,
                        day date NOT NULL,
                        reads bigint NOT NULL DEFAULT 0,
                        unique_readers integer NOT NULL DEFAULT 0,
                        readers bytea,
                        favorites integer NOT NULL DEFAULT 0,
                        comments integer NOT NULL DEFAULT 0,
                        PRIMARY KEY (article_id, day)
                    )
                    """,
                    """
                    CREATE TABLE author_days (
                        author_id uuid NOT NULL,
                        day date NOT NULL,
                        reads bigint NOT NULL DEFAULT 0,
                        unique_readers integer NOT NULL DEFAULT 0,
                        readers bytea,
                        favorites integer NOT NULL DEFAULT 0,
                        comments integer NOT NULL DEFAULT 0,
                        followers integer NOT NULL DEFAULT 0,
                        PRIMARY KEY (author_id, day)
                    )
                    """,
                    // Reads of a slug no article has (yet): its article.created may still be on its way
                    // (another topic); they join the article when it arrives, or are swept after a day.
                    """
                    CREATE TABLE unmatched_reads (
                        slug text NOT NULL,
                        day date NOT NULL,
                        reads bigint NOT NULL,
                        readers bytea NOT NULL,
                        received_at timestamptz NOT NULL DEFAULT now(),
                        PRIMARY KEY (slug, day)
                    )
                    """,
                    // Whose article each comment is on, for its comment.deleted (which names the article
                    // but not its author; the article's own events come on another topic, in any order).
                    "CREATE TABLE comment_articles (comment_id bigint PRIMARY KEY, article_id uuid NOT NULL, author_id uuid NOT NULL)",
                    // The day's key readers are hashed with (see ReaderKeys); deleted once the day is over.
                    "CREATE TABLE reader_keys (day date PRIMARY KEY, key bytea NOT NULL)",
                ])
        ]
    )
}
