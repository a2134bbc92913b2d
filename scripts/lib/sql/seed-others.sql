-- Seeds auth, comments and notifier for scripts/bench, with the same md5-based ids as
-- seed-posts.sql: run against each service's database with -v service=auth|comments|notifier,
-- :users users and (comments) the :articles articles as their events would have projected them, and
-- 2 comments on each of the first :commented articles.
\set ON_ERROR_STOP on
\if :{?service}
\else
\echo 'set -v service=auth|comments|notifier'
\quit
\endif
BEGIN;
SELECT :'service' = 'auth' AS is_auth, :'service' = 'comments' AS is_comments, :'service' = 'notifier' AS is_notifier \gset
\if :is_auth
DELETE FROM follows WHERE follower_id IN (SELECT id FROM users WHERE username LIKE 'seed\_%');
DELETE FROM users WHERE username LIKE 'seed\_%';
INSERT INTO users (id, username, email, password_hash, bio, image)
SELECT md5('seed-user-' || i)::uuid, 'seed_user_' || i, 'seed_user_' || i || '@example.com', 'not-a-password-hash',
    'Seeded user number ' || i, 'https://example.com/u' || i || '.png'
FROM generate_series(1, :users) AS i;
ANALYZE users;
\endif
\if :is_comments
DELETE FROM comments;
DELETE FROM articles WHERE slug LIKE 'seed-article-%';
INSERT INTO articles (id, slug, author_id, title, synced_at)
SELECT md5('seed-article-' || i)::uuid, 'seed-article-' || i, md5('seed-user-' || (1 + i % :users))::uuid, 'Seed article ' || i, now()
FROM generate_series(1, :articles) AS i;
DELETE FROM users WHERE username LIKE 'seed\_%';
INSERT INTO users (id, username, bio, image, synced_at)
SELECT md5('seed-user-' || i)::uuid, 'seed_user_' || i, 'Seeded user number ' || i, 'https://example.com/u' || i || '.png', now()
FROM generate_series(1, :users) AS i;
INSERT INTO comments (article_id, author_id, body, created_at, updated_at)
SELECT md5('seed-article-' || a)::uuid, md5('seed-user-' || (1 + (a * 13 + k) % :users))::uuid, 'Seeded comment ' || k || ' on article ' || a,
    now() - make_interval(secs => a * 2 + k), now() - make_interval(secs => a * 2 + k)
FROM generate_series(1, :commented) AS a, generate_series(1, 2) AS k;
ANALYZE users, comments, articles;
\endif
\if :is_notifier
DELETE FROM recipients WHERE username LIKE 'seed\_%';
INSERT INTO recipients (id, username, email, synced_at)
SELECT md5('seed-user-' || i)::uuid, 'seed_user_' || i, 'seed_user_' || i || '@example.com', now()
FROM generate_series(1, :users) AS i;
ANALYZE recipients;
\endif
COMMIT;
