-- POST a comment, as the user of $BENCH_TOKEN.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN")
wrk.body = '{"comment":{"body":"A comment from the benchmark, long enough to look like a real one."}}'
