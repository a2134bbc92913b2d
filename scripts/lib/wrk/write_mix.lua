-- The write mix: create an article, comment, favorite, unfavorite, in equal parts, as the user
-- of $BENCH_TOKEN, on the seeded articles.
local token = os.getenv("BENCH_TOKEN")
local articles = tonumber(os.getenv("BENCH_ARTICLES"))
local commented = tonumber(os.getenv("BENCH_COMMENTED"))
local counter = 0
-- A pause before each request ($BENCH_WRITE_PAUSE_MS, the soak's): a steady stream instead of a flood.
local pause = tonumber(os.getenv("BENCH_WRITE_PAUSE_MS") or "0")
if pause > 0 then
    function delay() return pause end
end

function init(args)
    math.randomseed(os.time() + math.random(1000000))
end

request = function()
    counter = counter + 1
    local headers = { ["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json" }
    local pick = math.random(4)
    if pick == 1 then
        local title = "Bench write " .. counter .. " " .. math.random(1000000000)
        return wrk.format("POST", "/api/articles", headers,
            '{"article":{"title":"' .. title .. '","description":"d","body":"b","tagList":["bench"]}}')
    elseif pick == 2 then
        return wrk.format("POST", "/api/articles/seed-article-" .. math.random(1, commented) .. "/comments", headers,
            '{"comment":{"body":"A comment from the benchmark."}}')
    elseif pick == 3 then
        return wrk.format("POST", "/api/articles/seed-article-" .. math.random(1, articles) .. "/favorite", headers)
    else
        return wrk.format("DELETE", "/api/articles/seed-article-" .. math.random(1, articles) .. "/favorite", headers)
    end
end
