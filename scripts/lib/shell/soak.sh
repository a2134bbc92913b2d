# shellcheck shell=bash
# scripts/bench --soak: the read mix and a paced write mix together for many minutes on a running,
# seeded stack of 2 replicas, every replica's memory sampled each minute; then the outboxes and the
# notifier's backlog must drain. Needs stack.sh and bench.sh, GATEWAY and a registered BENCH_TOKEN.

SOAK_READ_CONNECTIONS=${SOAK_READ_CONNECTIONS:-16}
SOAK_WRITE_CONNECTIONS=${SOAK_WRITE_CONNECTIONS:-2}
# Each write connection waits this long before its next request: a steady stream of writes (and of
# emails: a quarter of them are comments), not a flood that only grows the tables.
SOAK_WRITE_PAUSE_MS=${SOAK_WRITE_PAUSE_MS:-50}
# Memory growth is measured from this minute on: the first minutes fill pools and caches.
SOAK_SETTLED_MINUTE=${SOAK_SETTLED_MINUTE:-5}

# soak_replicas: every running replica's name (service-i), one a line.
soak_replicas() {
    local service i
    for service in "${SERVICES[@]}"; do
        for ((i = 1; i <= 2; i++)); do echo "$service-$i"; done
    done
}

# soak_pending: the events waiting in every service's outbox and the notifier's pending emails.
soak_pending() {
    local service total=0 count
    for service in "${DATABASE_SERVICES[@]}"; do
        count=$(psql -qtA "$(database_url "$service")" -c \
            "SELECT CASE WHEN to_regclass('outbox') IS NULL THEN 0 ELSE (SELECT count(*) FROM outbox WHERE sent_at IS NULL) END")
        total=$((total + count))
    done
    count=$(psql -qtA "$(database_url notifier)" -c "SELECT count(*) FROM notifications WHERE status = 'pending'")
    echo $((total + count))
}
soak_drained() { [ "$(soak_pending)" = 0 ]; }

# soak MINUTES: runs the soak and prints its table; fails when a request failed, a replica's memory
# grew more than 5% after the settled minute, or the backlog did not drain.
soak() {
    local minutes=$1 minute replica failed=0 read_row write_row rps p50 p99 errors load
    local -A settled=() final=()
    local replicas
    mapfile -t replicas < <(soak_replicas)
    local rows=() header="| minute | read req/s | read p99 | write req/s | write p99 | errors | load |"
    for replica in "${replicas[@]}"; do header+=" $replica |"; done
    for ((minute = 1; minute <= minutes; minute++)); do
        # No settling: the soak's load is continuous on purpose.
        BENCH_SETTLE_SECONDS=0 BENCH_DURATION=60 BENCH_CONNECTIONS=$SOAK_WRITE_CONNECTIONS BENCH_WRITE_PAUSE_MS=$SOAK_WRITE_PAUSE_MS \
            bench_run "soak, minute $minute of $minutes: write mix" /api/articles write_mix.lua > "$INKWELL_STATE/soak-write" &
        local writer=$!
        read_row=$(BENCH_SETTLE_SECONDS=0 BENCH_DURATION=60 BENCH_CONNECTIONS=$SOAK_READ_CONNECTIONS \
            bench_run "soak, minute $minute of $minutes: read mix" /api/articles read_mix.lua)
        wait "$writer"
        write_row=$(cat "$INKWELL_STATE/soak-write")
        read -r rps p50 p99 errors load <<<"$read_row"
        local row
        row=$(printf '| %6d | %10.0f | %8s |' "$minute" "$rps" "$p99")
        failed=$((failed + errors))
        read -r rps p50 p99 errors _ <<<"$write_row"
        failed=$((failed + errors))
        row+=$(printf ' %11.0f | %9s | %6d | %5s |' "$rps" "$p99" "$failed" "$load")
        for replica in "${replicas[@]}"; do
            final[$replica]=$(rss_kb "$replica")
            [ "$minute" = "$SOAK_SETTLED_MINUTE" ] && settled[$replica]=${final[$replica]}
            row+=$(printf ' %d MB |' $((final[$replica] / 1024)))
        done
        rows+=("$row")
        say "$row"
    done

    step "waiting for every outbox and the notifier's backlog to drain"
    local drain_started=$SECONDS drained=true
    wait_until "the outboxes and the notifier's backlog to drain" 600 soak_drained || drained=false

    local growth_row="| growth after minute $SOAK_SETTLED_MINUTE | | | | | | |" worst=0 growth
    for replica in "${replicas[@]}"; do
        growth=$(awk -v a="${settled[$replica]:-${final[$replica]}}" -v b="${final[$replica]}" 'BEGIN { printf "%.1f", 100 * (b - a) / a }')
        growth_row+=" $growth% |"
        awk -v g="$growth" -v w="$worst" 'BEGIN { exit !(g > w) }' && worst=$growth
    done

    say ""
    say "Soak: $minutes minutes of the read mix ($SOAK_READ_CONNECTIONS connections) and the write mix ($SOAK_WRITE_CONNECTIONS"
    say "connections, each pausing ${SOAK_WRITE_PAUSE_MS} ms between requests) together, 2 replicas of each service, $BENCH_ARTICLES articles;"
    say "errors are cumulative; memory is each replica's resident size at the end of the minute."
    say ""
    echo "$header"
    echo "|$(printf -- '---|%.0s' $(seq 1 $((7 + ${#replicas[@]}))))"
    printf '%s\n' "${rows[@]}"
    echo "$growth_row"
    say ""
    say "largest growth after minute $SOAK_SETTLED_MINUTE: $worst% (target ≤ 5%); requests failed: $failed;" \
        "backlog $($drained && echo "drained $((SECONDS - drain_started)) s after the load" || echo "NOT drained after 600 s")"
    [ "$failed" -eq 0 ] || die "$failed requests failed during the soak"
    $drained || die "the outboxes or the notifier's backlog did not drain"
    awk -v w="$worst" 'BEGIN { exit !(w <= 5) }' || die "a replica's memory grew $worst% after minute $SOAK_SETTLED_MINUTE"
}
