# shellcheck shell=bash
# Shared by the bench-* scripts: wrk runs through the gateway, collected into one table.
# Needs GATEWAY (the gateway's URL); wrk's Lua scripts are in scripts/lib/wrk.

BENCH_ROWS=()
BENCH_ERRORS=0
BENCH_DURATION=${BENCH_DURATION:-10}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-16}

# The machine's load (1-minute average): other work on the machine moves every figure.
load_average() { cut -d' ' -f1 /proc/loadavg; }

# settle: waits until the machine's CPUs were at least 80% idle over one second, at most
# BENCH_SETTLE_SECONDS (10), and prints how many seconds it waited: a run then does not pay for work the
# run before it left behind (analytics flushing the article reads it was sent, the outbox draining).
settle() {
    local waited=0 idle total i before after
    while ((waited < ${BENCH_SETTLE_SECONDS:-10})); do
        read -r -a before </proc/stat
        sleep 1
        waited=$((waited + 1))
        read -r -a after </proc/stat
        # cpu user nice system idle iowait irq softirq steal: idle and iowait count as idle.
        idle=$((after[4] + after[5] - before[4] - before[5]))
        total=0
        for i in 1 2 3 4 5 6 7 8; do total=$((total + after[i] - before[i])); done
        if ((total > 0 && idle * 100 >= total * 80)); then break; fi
    done
    echo "$waited"
}

# rss_kb NAME: the resident memory of replica NAME (e.g. posts-1) in kB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$(cat "$RUN_DIR/$1.pid")/status"; }

# bench_run LABEL PATH [SCRIPT]: runs wrk (with SCRIPT from scripts/lib/wrk, if given), prints its
# report to stderr and "REQ/S P50 P99 FAILED LOAD" on stdout.
bench_run() {
    local label=$1 path=$2 script=${3:-} output load settled
    local options=(-t2 -c"$BENCH_CONNECTIONS" -d"${BENCH_DURATION}s" --timeout 30s --latency)
    [ -n "$script" ] && options+=(-s "$INKWELL_ROOT/scripts/lib/wrk/$script")
    settled=$(settle)
    load=$(load_average)
    step "$label: wrk, $BENCH_CONNECTIONS connections, ${BENCH_DURATION}s (load $load, settled ${settled}s)" >&2
    # wrk gives up on a request after 2 s by default; logins queue longer than that at 128 connections.
    output=$(wrk "${options[@]}" "$GATEWAY$path")
    echo "$output" >&2
    local rps p50 p99 non2xx sock
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$output")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$output")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$output")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$output")
    sock=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$output")
    echo "${rps:-0} ${p50:-?} ${p99:-?} $((${non2xx:-0} + ${sock:-0})) $load"
}

# bench_wrk LABEL PATH [SCRIPT]: runs wrk, prints its report and keeps a row for bench_table.
bench_wrk() {
    local label=$1 rps p50 p99 failed load
    read -r rps p50 p99 failed load < <(bench_run "$@")
    BENCH_ERRORS=$((BENCH_ERRORS + failed))
    BENCH_ROWS+=("$(printf '| %-40s | %10s | %9s | %9s | %6s | %5s |' "$label" "$rps" "$p50" "$p99" "$failed" "$load")")
}

bench_table() {
    printf '| %-40s | %10s | %9s | %9s | %6s | %5s |\n' route "req/s" p50 p99 errors load
    printf '|%s|%s|%s|%s|%s|%s|\n' "------------------------------------------" "------------" "-----------" "-----------" "--------" "-------"
    printf '%s\n' "${BENCH_ROWS[@]}"
}

# wrk's latency ("443.00us", "3.18ms", "1.05s") in milliseconds.
latency_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}

# median NUMBER...: the middle value (the lower middle of an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
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

# bench_seed: registers the benchmark's user (bench_register) and seeds every service's database
# with BENCH_USERS users, BENCH_ARTICLES articles and 2 comments on each of BENCH_COMMENTED
# articles (scripts/lib/sql/seed-*.sql). Needs stack.sh and a running stack.
bench_seed() {
    local bench_user service started=$SECONDS
    bench_register bench
    bench_user=$(python3 -c 'import base64,json,sys; p=sys.argv[1].split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["sub"])' "$BENCH_TOKEN")
    wait_until "the bench user's projection in posts" 60 \
        psql -qtA "$(database_url posts)" -c "SELECT 1 / count(*) FROM users WHERE id = '$bench_user'"
    step "seeding $BENCH_USERS users, $BENCH_ARTICLES articles, $((BENCH_COMMENTED * 2)) comments"
    say "  posts:"
    psql -q "$(database_url posts)" -v users="$BENCH_USERS" -v articles="$BENCH_ARTICLES" -v bench_user="$bench_user" \
        -f "$INKWELL_ROOT/scripts/lib/sql/seed-posts.sql"
    for service in auth comments notifier; do
        say "  $service"
        psql -q "$(database_url "$service")" -v service="$service" -v users="$BENCH_USERS" -v articles="$BENCH_ARTICLES" \
            -v commented="$BENCH_COMMENTED" -f "$INKWELL_ROOT/scripts/lib/sql/seed-others.sql"
    done
    say "    seeded in $((SECONDS - started))s"
}
