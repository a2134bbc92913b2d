-- POST /api/users/login with the credentials in BENCH_EMAIL and BENCH_PASSWORD.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"user":{"email":"%s","password":"%s"}}', os.getenv("BENCH_EMAIL"), os.getenv("BENCH_PASSWORD"))
