#!/usr/bin/env bash
# Runs the PostgreSQL tests of webhooks-receiver against a real server: installs PostgreSQL
# from the system's packages if absent, starts a throwaway cluster on a free local port as an
# unprivileged user (the `postgres` account when run as root), passes its connection string
# in WEBHOOKS_RECEIVER_TEST_POSTGRES, and removes the cluster afterwards.
#
#   bash scripts/postgres-test.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

find_bin() {
    local name=$1
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return
    fi
    ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(find_bin pg_ctl)" ] || [ -z "$(find_bin initdb)" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "postgres-test: PostgreSQL is not installed and this is not root: install the postgresql package" >&2
        exit 2
    fi
    echo "postgres-test: installing PostgreSQL from the system's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
INITDB=$(find_bin initdb)
PG_CTL=$(find_bin pg_ctl)

# PostgreSQL refuses to run as root: use its own account then.
as_db_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

DIR=$(mktemp -d /tmp/webhooks-pg.XXXXXX)
chmod 755 "$DIR"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$DIR"; fi
# A port the system says is free; another process may take it before the server binds it,
# so the start is tried on a new port up to three times.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
        || echo $((55432 + RANDOM % 1000))
}

cleanup() {
    as_db_user "$PG_CTL" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap cleanup EXIT

as_db_user "$INITDB" -D "$DIR/data" -U test -A trust --no-sync >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 2; }
started=
for attempt in 1 2 3; do
    PORT=$(free_port)
    if as_db_user "$PG_CTL" -D "$DIR/data" -l "$DIR/server.log" -w \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null; then
        started=1
        break
    fi
    echo "postgres-test: the server did not start on port $PORT (attempt $attempt)" >&2
done
[ -n "$started" ] || { cat "$DIR/server.log" >&2; exit 2; }
echo "postgres-test: $("$PG_CTL" --version) on 127.0.0.1:$PORT"

export WEBHOOKS_RECEIVER_TEST_POSTGRES="host=127.0.0.1 port=$PORT user=test"
# `--workspace`, as the README's test command: the same features, so the dependencies built for
# it are reused instead of built again.
cargo test --workspace --test postgres --test postgres_serve --test forward --locked "$@" -- --nocapture
