#!/usr/bin/env bash
# The official postgres image's entry point contract, as far as docker-compose.yml uses it.
set -Eeuo pipefail

# file_env VARIABLE [DEFAULT]: VARIABLE's value, or the content of the file VARIABLE_FILE names.
file_env() {
    local variable=$1 file_variable="${1}_FILE" default=${2:-}
    if [ -n "${!variable:-}" ] && [ -n "${!file_variable:-}" ]; then
        printf 'error: both %s and %s are set (but are exclusive)\n' "$variable" "$file_variable" >&2
        exit 1
    fi
    local value=$default
    if [ -n "${!variable:-}" ]; then
        value=${!variable}
    elif [ -n "${!file_variable:-}" ]; then
        value=$(< "${!file_variable}")
    fi
    export "$variable"="$value"
    unset "$file_variable"
}

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ]; then
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "$POSTGRES_USER"
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$PGDATA"
        chown postgres:postgres "$PGDATA"
        chmod 700 "$PGDATA"
        exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
    fi
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        if [ -z "$POSTGRES_PASSWORD" ]; then
            printf 'error: the database is uninitialized and POSTGRES_PASSWORD is not set\n' >&2
            exit 1
        fi
        initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
            --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
        printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
        printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
        # As the official image does: a temporary server on the Unix socket only makes the database.
        pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
        if [ "$POSTGRES_DB" != postgres ]; then
            psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --dbname postgres \
                --set db="$POSTGRES_DB" <<< 'CREATE DATABASE :"db";'
        fi
        pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
        printf 'PostgreSQL init process complete; ready for start up.\n'
    fi
fi
exec "$@"
