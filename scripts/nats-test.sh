#!/usr/bin/env bash
# Runs the NATS JetStream tests of webhooks-receiver against real servers: installs nats-server
# from the system's packages if absent (when root), starts `nats-server -js` on a free local
# port with a throwaway store, and a throwaway PostgreSQL cluster (for the test of two receivers
# sharing one inbox); passes their addresses in WEBHOOKS_RECEIVER_TEST_NATS and
# WEBHOOKS_RECEIVER_TEST_POSTGRES, and removes both afterwards.
#
#   bash scripts/nats-test.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/postgres.sh

NATS_DIR=
NATS_PID=
cleanup() {
    if [ -n "$NATS_PID" ]; then
        kill "$NATS_PID" 2>/dev/null || true
        wait "$NATS_PID" 2>/dev/null || true
    fi
    [ -z "$NATS_DIR" ] || rm -rf "$NATS_DIR"
    postgres_stop
}
trap cleanup EXIT

if ! command -v nats-server >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "nats-test: nats-server is not installed and this is not root: install the nats-server package" >&2
        exit 2
    fi
    echo "nats-test: installing nats-server from the system's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
fi

NATS_DIR=$(mktemp -d /tmp/webhooks-nats.XXXXXX)
# Started on a new free port up to three times; ready once it says so (JetStream included),
# waited for at most ten seconds each time.
for attempt in 1 2 3; do
    port=$(free_port)
    nats-server -js -a 127.0.0.1 -p "$port" -sd "$NATS_DIR/store" >"$NATS_DIR/server.log" 2>&1 &
    NATS_PID=$!
    for _ in $(seq 100); do
        if grep -q "Server is ready" "$NATS_DIR/server.log" || ! kill -0 "$NATS_PID" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    if kill -0 "$NATS_PID" 2>/dev/null && grep -q "Server is ready" "$NATS_DIR/server.log"; then
        break
    fi
    echo "nats-test: nats-server did not start on port $port (attempt $attempt)" >&2
    cat "$NATS_DIR/server.log" >&2
    kill "$NATS_PID" 2>/dev/null || true
    wait "$NATS_PID" 2>/dev/null || true
    NATS_PID=
done
[ -n "$NATS_PID" ] || exit 2
echo "nats-test: nats-server $(nats-server --version | sed 's/^nats-server: *//') on 127.0.0.1:$port"
export WEBHOOKS_RECEIVER_TEST_NATS="nats://127.0.0.1:$port"

postgres_start nats-test

# `--workspace`, as the README's test command: the same features, so the dependencies built for
# it are reused instead of built again.
cargo test --workspace --test nats --test nats_recovery --locked "$@" -- --nocapture
