import Authentication
import Messaging
import Persistence

/// The comments service's schema, in order. Never edit an applied migration: add a new one.
enum CommentsMigrations {
    static let all: [Migration] = [
        Outbox.migration(version: 1),
        EventConsumer.migration(version: 2),
        UserProjection.migration(version: 3),
        Migration(
            version: 4, name: "create_comments",
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
        Outbox.setAsideMigration(version: 5),
        ProjectedTokenRevocations.migration(version: 6),
        Outbox.topicIncarnationsMigration(version: 7),
        UserProjection.followVersionsMigration(version: 8),
        ProjectedTokenRevocations.announcementMigration(version: 9),
    ]
}
