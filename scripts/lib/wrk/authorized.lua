-- Sends every request with `Authorization: Token $BENCH_TOKEN`.
wrk.headers["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN")
