-- Follows and unfollows seeded users (seed_user_1 … seed_user_$BENCH_USERS), in turn, as the user of
-- $BENCH_TOKEN: each answer waits for auth's push of the change to posts and comments.
local token = os.getenv("BENCH_TOKEN")
local users = tonumber(os.getenv("BENCH_USERS"))
local counter = 0

function init(args)
    math.randomseed(os.time() + math.random(1000000))
end

request = function()
    counter = counter + 1
    local headers = { ["Authorization"] = "Token " .. token }
    local path = "/api/profiles/seed_user_" .. math.random(1, users) .. "/follow"
    if counter % 2 == 1 then
        return wrk.format("POST", path, headers)
    else
        return wrk.format("DELETE", path, headers)
    end
end
