-- GET one of the seeded articles at random (seed-article-1 … seed-article-$BENCH_RANDOM_OVER), with
-- $BENCH_RANDOM_SUFFIX after the slug ("/comments" for its comments), as the user of $BENCH_TOKEN:
-- neither the gateway's cache nor a hot row helps.
local token = os.getenv("BENCH_TOKEN")
local over = tonumber(os.getenv("BENCH_RANDOM_OVER"))
local suffix = os.getenv("BENCH_RANDOM_SUFFIX") or ""

function init(args)
    math.randomseed(os.time() + math.random(1000000))
end

request = function()
    return wrk.format("GET", "/api/articles/seed-article-" .. math.random(1, over) .. suffix, { ["Authorization"] = "Token " .. token })
end
