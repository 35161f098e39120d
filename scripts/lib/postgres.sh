# A throwaway PostgreSQL cluster for the receiver's tests. Sourced by the test scripts:
#
#   postgres_start LABEL   installs PostgreSQL from the system's packages if absent (when root),
#                          starts a cluster on a free local port as an unprivileged user (the
#                          `postgres` account when run as root) and exports its connection
#                          string in WEBHOOKS_RECEIVER_TEST_POSTGRES; exits 2 when it cannot.
#   postgres_stop          stops the cluster and removes its folder (call it from the EXIT trap).

# The newest binary NAME on the PATH or in the Debian layout.
postgres_find_bin() {
    local name=$1
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return
    fi
    ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1
}

# PostgreSQL refuses to run as root: use its own account then.
postgres_as_db_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# A port the system says is free; another process may take it before a server binds it, so
# servers are started on a new port a few times.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
        || echo $((55432 + RANDOM % 1000))
}

POSTGRES_DIR=
POSTGRES_PG_CTL=

postgres_start() {
    local label=$1
    if [ -z "$(postgres_find_bin pg_ctl)" ] || [ -z "$(postgres_find_bin initdb)" ]; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "$label: PostgreSQL is not installed and this is not root: install the postgresql package" >&2
            exit 2
        fi
        echo "$label: installing PostgreSQL from the system's packages"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    local initdb
    initdb=$(postgres_find_bin initdb)
    POSTGRES_PG_CTL=$(postgres_find_bin pg_ctl)

    POSTGRES_DIR=$(mktemp -d /tmp/webhooks-pg.XXXXXX)
    chmod 755 "$POSTGRES_DIR"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$POSTGRES_DIR"; fi
    postgres_as_db_user "$initdb" -D "$POSTGRES_DIR/data" -U test -A trust --no-sync \
        >"$POSTGRES_DIR/initdb.log" 2>&1 \
        || { cat "$POSTGRES_DIR/initdb.log" >&2; exit 2; }
    local started= attempt port
    for attempt in 1 2 3; do
        port=$(free_port)
        if postgres_as_db_user "$POSTGRES_PG_CTL" -D "$POSTGRES_DIR/data" \
            -l "$POSTGRES_DIR/server.log" -w \
            -o "-p $port -k $POSTGRES_DIR -c listen_addresses=127.0.0.1" start >/dev/null; then
            started=1
            break
        fi
        echo "$label: PostgreSQL did not start on port $port (attempt $attempt)" >&2
    done
    [ -n "$started" ] || { cat "$POSTGRES_DIR/server.log" >&2; exit 2; }
    echo "$label: $("$POSTGRES_PG_CTL" --version) on 127.0.0.1:$port"
    export WEBHOOKS_RECEIVER_TEST_POSTGRES="host=127.0.0.1 port=$port user=test"
}

postgres_stop() {
    [ -n "$POSTGRES_DIR" ] || return 0
    postgres_as_db_user "$POSTGRES_PG_CTL" -D "$POSTGRES_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$POSTGRES_DIR"
    POSTGRES_DIR=
}
