-- The read mix: lists (plain, by tag, by author), the feed, one article, its comments, tags and a
-- profile, in equal parts, as the user of $BENCH_TOKEN, over the seeded data set.
local token = os.getenv("BENCH_TOKEN")
local articles = tonumber(os.getenv("BENCH_ARTICLES"))
local users = tonumber(os.getenv("BENCH_USERS"))
local commented = tonumber(os.getenv("BENCH_COMMENTED"))

function init(args)
    math.randomseed(os.time() + math.random(1000000))
end

request = function()
    local pick = math.random(8)
    local path
    if pick == 1 then path = "/api/articles?limit=20"
    elseif pick == 2 then path = "/api/articles?tag=tag" .. math.random(0, 49)
    elseif pick == 3 then path = "/api/articles?author=seed_user_" .. math.random(1, users)
    elseif pick == 4 then path = "/api/articles/feed"
    elseif pick == 5 then path = "/api/articles/seed-article-" .. math.random(1, articles)
    elseif pick == 6 then path = "/api/articles/seed-article-" .. math.random(1, commented) .. "/comments"
    elseif pick == 7 then path = "/api/tags"
    else path = "/api/profiles/seed_user_" .. math.random(1, users) end
    return wrk.format("GET", path, { ["Authorization"] = "Token " .. token })
end
