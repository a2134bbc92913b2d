# Shared by the scripts in scripts/: paths, logging and small helpers.
# shellcheck shell=bash

INKWELL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
INKWELL_CACHE=${INKWELL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/inkwell}
INKWELL_VENV=$INKWELL_CACHE/venv
RDKAFKA_MIN_VERSION=2.8.0

export PATH="/usr/lib/postgresql/15/bin:$PATH"
export PKG_CONFIG_PATH="/usr/local/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

say() { printf '%s\n' "$*"; }
step() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Runs a command as the unprivileged owner of the PostgreSQL cluster (postgres refuses root).
as_pg_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Polls `check` (a command) until it succeeds or `timeout` seconds pass.
wait_until() {
    local what=$1 timeout=$2; shift 2
    local deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            printf 'error: %s not ready after %ss\n' "$what" "$timeout" >&2
            return 1
        fi
        sleep 0.2
    done
}

# Succeeds when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }

# The Debian mirror this machine already uses, read from its apt configuration.
debian_mirror() {
    local codename file uri
    codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        # deb822: the URIs of the first stanza whose Suites include the release itself
        uri=$(awk -v suite="$codename" '
            /^URIs:/ { uris = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) found = 1 }
            /^$/ { if (found && uris) { print uris; done = 1; exit } uris = ""; found = 0 }
            END { if (!done && found && uris) print uris }' "$file")
        [ -n "$uri" ] && { echo "$uri"; return 0; }
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$file" ] || continue
        uri=$(awk -v suite="$codename" '$1 == "deb" {
            for (i = 2; i < NF; i++) if ($i ~ /^(https?|file):/ && $(i + 1) == suite) { print $i; exit } }' "$file")
        [ -n "$uri" ] && { echo "$uri"; return 0; }
    done
    return 1
}

# The benchmarks' ports (scripts/bench*), each movable with INKWELL_BENCH_…, so that a benchmark
# can run beside another one or beside scripts/test-compose, which uses the same defaults.
use_bench_ports() {
    export INKWELL_GATEWAY_PORT=${INKWELL_BENCH_GATEWAY_PORT:-28080}
    export INKWELL_PG_PORT=${INKWELL_BENCH_PG_PORT:-25433}
    export INKWELL_BROKER_PORT=${INKWELL_BENCH_BROKER_PORT:-29092}
    export INKWELL_SMTP_PORT=${INKWELL_BENCH_SMTP_PORT:-22525}
    export INKWELL_AUTH_BASE_PORT=${INKWELL_BENCH_AUTH_BASE_PORT:-28100}
    export INKWELL_POSTS_BASE_PORT=${INKWELL_BENCH_POSTS_BASE_PORT:-28200}
    export INKWELL_COMMENTS_BASE_PORT=${INKWELL_BENCH_COMMENTS_BASE_PORT:-28300}
    export INKWELL_NOTIFIER_BASE_PORT=${INKWELL_BENCH_NOTIFIER_BASE_PORT:-28400}
    export INKWELL_WEB_BASE_PORT=${INKWELL_BENCH_WEB_BASE_PORT:-28500}
    export INKWELL_ANALYTICS_BASE_PORT=${INKWELL_BENCH_ANALYTICS_BASE_PORT:-28700}
    # nginx alone, for the ceilings; and the stack's floor (two replicas of StackFloor, and posts'
    # replicas, each behind that nginx on a port of its own).
    export INKWELL_CEILING_PORT=${INKWELL_BENCH_CEILING_PORT:-28090}
    export INKWELL_FLOOR_PORT=${INKWELL_BENCH_FLOOR_PORT:-28091}
    export INKWELL_PLAIN_POSTS_PORT=${INKWELL_BENCH_PLAIN_POSTS_PORT:-28092}
    export INKWELL_FLOOR_BASE_PORT=${INKWELL_BENCH_FLOOR_BASE_PORT:-28600}
}
