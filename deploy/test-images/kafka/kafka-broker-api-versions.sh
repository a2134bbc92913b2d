#!/usr/bin/env bash
# The part of Apache Kafka's kafka-broker-api-versions.sh that the compose health check uses:
#   kafka-broker-api-versions.sh --bootstrap-server HOST:PORT
# sends one ApiVersions request (v0) and succeeds when the broker answers it without an error.
set -euo pipefail
server=
while [ $# -gt 0 ]; do
    case $1 in
        --bootstrap-server) server=$2; shift 2 ;;
        *) shift ;;
    esac
done
[ -n "$server" ] || { printf 'usage: %s --bootstrap-server HOST:PORT\n' "$0" >&2; exit 1; }
host=${server%:*} port=${server##*:}

exec 3<>"/dev/tcp/$host/$port"
# length 16 | api key 18 (ApiVersions) | version 0 | correlation id 7 | client id "health"
printf '\x00\x00\x00\x10\x00\x12\x00\x00\x00\x00\x00\x07\x00\x06health' >&3
# length (4 bytes) | correlation id (4) | error code (2)
reply=$(timeout 5 head -c 10 <&3 | od -An -tx1 | tr -d ' \n')
exec 3<&-
if [ "${reply:8:12}" = 000000070000 ]; then
    printf '%s (id: 1 rack: null) -> ApiVersions answered\n' "$server"
else
    printf 'error: no ApiVersions answer from %s (got "%s")\n' "$server" "$reply" >&2
    exit 1
fi
