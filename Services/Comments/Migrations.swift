import Authentication
import Messaging
import Persistence

/// The comments service's schema: the groups of its tables, each after those it depends on, then its numbering
/// from before groups. Never edit an applied migration: add a new one at the end of its group.
enum CommentsMigrations {
    static let schema = DatabaseSchema(
        [
            Outbox.migrations,
            EventConsumer.migrations,
            UserProjection.migrations,
            ProjectedTokenRevocations.migrations(),
            TokenRevocationAnnouncements.migrations(),
            own,
            CommentViewAnnouncements.migrations,
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
            UserProjection.migrations.version(2),
            TokenRevocationAnnouncements.migrations().version(1),
        ]
    )

    /// The service's own tables.
    static let own = MigrationGroup(
        "comments",
        [
            Migration(
                name: "create_comments",
                statements: [
                    """
                    CREATE TABLE comments (
                        id bigserial PRIMARY KEY,
                        article_id uuid NOT NULL,
                        author_id uuid NOT NULL REFERENCES users (id),
                        body text NOT NULL,
                        created_at timestamptz NOT NULL,
                        updated_at timestamptz NOT NULL
                    )
                    """,
                    "CREATE INDEX comments_by_article ON comments (article_id, created_at DESC, id DESC)",
                    // Articles whose article.deleted has been applied: a comment on one is refused even
                    // when posts answered "it exists" a moment before it was deleted.
                    "CREATE TABLE deleted_articles (article_id uuid PRIMARY KEY, deleted_at timestamptz NOT NULL DEFAULT now())",
                ]),
            ArticleProjection.migration,
        ]
    )
}
