-- Searches the seeded data set (scripts/lib/sql/seed-posts.sql) as the user of $BENCH_TOKEN, past the
-- gateway's cache: one kind of search ($BENCH_SEARCH), or all of them in equal parts ("mix"):
--   rare: an article's number (one article holds it); tag: a tag's word (about 6% of them);
--   common: a word that every article holds, so that the most work is ranking the candidates;
--   phrase: "seed article N" (one article); exclusion: a tag's word without another's.
local token = os.getenv("BENCH_TOKEN")
local articles = tonumber(os.getenv("BENCH_ARTICLES"))
local kind = os.getenv("BENCH_SEARCH") or "mix"
local kinds = { "rare", "tag", "common", "phrase", "exclusion" }
local common = { "seeded", "body", "article" }

function init(args)
    math.randomseed(os.time() + math.random(1000000))
end

local function words(pick)
    if pick == "rare" then return tostring(math.random(1, articles))
    elseif pick == "tag" then return "tag" .. math.random(0, 49)
    elseif pick == "common" then return common[math.random(#common)]
    elseif pick == "phrase" then return '"seed article ' .. math.random(1, articles) .. '"'
    else return "tag" .. math.random(0, 49) .. " -tag" .. math.random(0, 49) end
end

local function encoded(text)
    return (text:gsub("[^%w%-%.]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

request = function()
    local pick = kind
    if pick == "mix" then pick = kinds[math.random(#kinds)] end
    return wrk.format("GET", "/api/articles?limit=20&search=" .. encoded(words(pick)), { ["Authorization"] = "Token " .. token })
end
