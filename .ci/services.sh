#!/usr/bin/env bash
# The real services the storage backends' tests use, installed from the distribution's packages
# and started in a folder of their own (never the machine's own PostgreSQL cluster).
#
#   eval "$(bash .ci/services.sh)"     # installs if needed, starts, prints the `export` lines
#   bash .ci/services.sh stop          # stops what it started
#
# Idempotent: a second run finds the cluster running and only prints the settings again.
# - PostgreSQL: `postgresql` from apt when no server binaries are found; a throwaway cluster in
#   $TAIPY_SERVICES_DIR/postgres (default /tmp/taipy-services), owned by the `postgres` user when
#   run as root (initdb refuses root), listening on 127.0.0.1:$TAIPY_PG_PORT (default 54329) with
#   a password, database `taipy_test`. Exports TAIPY_TEST_POSTGRES (a URL).
# - S3: the tests start an S3-compatible server in-process (s3s-fs, a dev-dependency), so nothing
#   runs here; set TAIPY_TEST_S3 (an endpoint URL) yourself to test against another server.
set -euo pipefail

dir="${TAIPY_SERVICES_DIR:-/tmp/taipy-services}"
port="${TAIPY_PG_PORT:-54329}"
user=taipy
password=taipy
database=taipy_test
log() { echo "services: $*" >&2; }

pg_bin() {
    local bin
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    if [[ -z "$bin" ]]; then
        log "installing postgresql from the distribution's packages"
        if [[ "$(id -u)" == 0 ]]; then
            apt-get update -qq >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        else
            log "no PostgreSQL server binaries and not root: apt-get install postgresql first"
            return 1
        fi
        bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    fi
    echo "$bin"
}

# Runs a command as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bin="$(pg_bin)"
data="$dir/postgres"

if [[ "${1:-}" == stop ]]; then
    [[ -d "$data" ]] && as_owner "$bin/pg_ctl" -D "$data" -m fast stop >&2 || true
    exit 0
fi

mkdir -p "$dir"
if [[ ! -f "$data/PG_VERSION" ]]; then
    log "creating a PostgreSQL cluster in $data"
    rm -rf "$data"
    mkdir -p "$data"
    pwfile="$dir/pgpass.tmp"
    printf '%s\n' "$password" >"$pwfile"
    if [[ "$(id -u)" == 0 ]]; then chown postgres: "$dir" "$data" "$pwfile"; fi
    as_owner "$bin/initdb" -D "$data" -U "$user" --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >&2
    rm -f "$pwfile"
fi

if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$port"
    as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $data" start >&2
fi

if ! as_owner "$bin/psql" -h "$data" -p "$port" -U "$user" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
    as_owner "$bin/createdb" -h "$data" -p "$port" -U "$user" "$database" >&2
fi

echo "export TAIPY_TEST_POSTGRES=postgres://$user:$password@127.0.0.1:$port/$database"
