# Shared by the bench-* scripts: wrk runs through the gateway, collected into one table.
# Needs GATEWAY (the gateway's URL); wrk's Lua scripts are in scripts/lib/wrk.

BENCH_ROWS=()
BENCH_ERRORS=0
BENCH_DURATION=${BENCH_DURATION:-10}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-16}

# bench_wrk LABEL PATH SCRIPT: runs wrk, prints its report and keeps a row for bench_table.
bench_wrk() {
    local label=$1 path=$2 script=$3 output
    step "$label: wrk, $BENCH_CONNECTIONS connections, ${BENCH_DURATION}s" >&2
    # wrk gives up on a request after 2 s by default; logins queue longer than that at 128 connections.
    output=$(wrk -t2 -c"$BENCH_CONNECTIONS" -d"${BENCH_DURATION}s" --timeout 30s --latency -s "$INKWELL_ROOT/scripts/lib/wrk/$script" "$GATEWAY$path")
    echo "$output" >&2
    local rps p50 p99 non2xx sock failed
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$output")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$output")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$output")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$output")
    sock=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$output")
    failed=$((${non2xx:-0} + ${sock:-0}))
    BENCH_ERRORS=$((BENCH_ERRORS + failed))
    BENCH_ROWS+=("$(printf '| %-40s | %10s | %9s | %9s | %6s |' "$label" "$rps" "$p50" "$p99" "$failed")")
}

bench_table() {
    printf '| %-40s | %10s | %9s | %9s | %6s |\n' route "req/s" p50 p99 errors
    printf '|%s|%s|%s|%s|%s|\n' "------------------------------------------" "------------" "-----------" "-----------" "--------"
    printf '%s\n' "${BENCH_ROWS[@]}"
}

# bench_register NAME: registers a user through the gateway; sets BENCH_EMAIL, BENCH_PASSWORD,
# BENCH_USERNAME and BENCH_TOKEN.
bench_register() {
    local suffix
    suffix=$(date +%s%N)
    export BENCH_USERNAME=$1$suffix BENCH_EMAIL=$1$suffix@example.com BENCH_PASSWORD=bench-password-$suffix
    BENCH_TOKEN=$(curl -sf -H 'Content-Type: application/json' \
        -d "{\"user\":{\"username\":\"$BENCH_USERNAME\",\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}}" \
        "$GATEWAY/api/users" | python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["token"])') ||
        die "registering the benchmark's user failed"
    export BENCH_TOKEN
}
