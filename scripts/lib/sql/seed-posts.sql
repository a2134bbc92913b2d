-- Seeds the posts database for scripts/bench-posts: :users users, :articles articles (each with
-- 1 to 3 of 50 tags, newest first by one second each), :favorites favorites per user (5 unless
-- given), 20 follows per user, and :bench_follows follows (20 unless given) and 10 favorites for the
-- benchmark's own user (:'bench_user').
-- Ids are md5-based so that the rows can refer to each other without lookups. Runs in one
-- transaction; removes an earlier seed first.
\set ON_ERROR_STOP on
\if :{?favorites}
\else
\set favorites 5
\endif
\if :{?bench_follows}
\else
\set bench_follows 20
\endif
BEGIN;
DELETE FROM favorites;
DELETE FROM follows;
DELETE FROM article_tags;
DELETE FROM articles;
DELETE FROM tags;
DELETE FROM users WHERE username LIKE 'seed\_%';
\echo '    users'
INSERT INTO users (id, username, bio, image, synced_at)
SELECT md5('seed-user-' || i)::uuid, 'seed_user_' || i, 'Seeded user number ' || i, 'https://example.com/u' || i || '.png', now()
FROM generate_series(1, :users) AS i;
\echo '    articles'
INSERT INTO articles (id, slug, title, description, body, tag_list, author_id, created_at, updated_at)
SELECT md5('seed-article-' || i)::uuid, 'seed-article-' || i, 'Seed article ' || i, 'What article ' || i || ' is about',
    repeat('Body of a seeded article. ', 40),
    ARRAY(SELECT DISTINCT t FROM unnest(ARRAY['tag' || (i % 50), 'tag' || ((i / 7) % 50), 'tag' || ((i / 13) % 50)]) AS t ORDER BY t),
    md5('seed-user-' || (1 + i % :users))::uuid,
    now() - make_interval(secs => i), now() - make_interval(secs => i)
FROM generate_series(1, :articles) AS i;
\echo '    tags'
INSERT INTO article_tags (tag, article_id, created_at) SELECT unnest(tag_list), id, created_at FROM articles;
INSERT INTO tags (name, articles_count) SELECT tag, count(*) FROM article_tags GROUP BY tag;
UPDATE article_totals SET articles_count = (SELECT count(*) FROM articles);
\echo '    favorites and follows'
INSERT INTO favorites (user_id, article_id)
SELECT md5('seed-user-' || u)::uuid, md5('seed-article-' || (1 + (u * 7919 + k * 104729) % :articles))::uuid
FROM generate_series(1, :users) AS u, generate_series(1, :favorites) AS k
ON CONFLICT DO NOTHING;
INSERT INTO favorites (user_id, article_id)
SELECT :'bench_user'::uuid, md5('seed-article-' || (1 + k * 37))::uuid FROM generate_series(1, 10) AS k
ON CONFLICT DO NOTHING;
UPDATE articles a SET favorites_count = f.n FROM (SELECT article_id, count(*) AS n FROM favorites GROUP BY article_id) f WHERE f.article_id = a.id;
INSERT INTO follows (follower_id, followee_id)
SELECT md5('seed-user-' || u)::uuid, md5('seed-user-' || (1 + (u * 31 + k * 977) % :users))::uuid
FROM generate_series(1, :users) AS u, generate_series(1, 20) AS k
WHERE 1 + (u * 31 + k * 977) % :users <> u
ON CONFLICT DO NOTHING;
INSERT INTO follows (follower_id, followee_id)
SELECT :'bench_user'::uuid, md5('seed-user-' || (1 + (k * 13) % :users))::uuid FROM generate_series(1, :bench_follows) AS k
ON CONFLICT DO NOTHING;
COMMIT;
-- As autovacuum leaves a settled database: without the visibility map, an index-only read of a
-- freshly loaded table visits every heap page (a reader's feed over 1,000 authors: 1.4 s, not 5 ms).
VACUUM (ANALYZE) users, follows, articles, article_tags, favorites, tags, article_totals;
