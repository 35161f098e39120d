#!/usr/bin/env bash
# Checks the receiver's Prometheus metrics with Prometheus's own linter: starts
# `webhooks-receiver serve --admin-listen` on free local ports with a throwaway inbox, sends
# valid and invalid deliveries, fetches /metrics and runs `promtool check metrics` on it.
# First proves that promtool catches a broken metrics text (with --self-test, only that).
# Installs promtool (Debian package prometheus) if absent, when run as root.
#
#   bash scripts/metrics-check.sh [--self-test]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "metrics-check: promtool is not installed and this is not root: install the prometheus package" >&2
        exit 2
    fi
    echo "metrics-check: installing promtool from the system's packages (prometheus)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
echo "metrics-check: $(promtool --version 2>&1 | head -n 1)"

DIR=$(mktemp -d /tmp/webhooks-metrics.XXXXXX)
SERVER=
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$DIR"
}
trap cleanup EXIT

# promtool must refuse a malformed sample and a counter without `_total`, and accept a
# correct text: otherwise its verdict on the receiver's text proves nothing.
expect() {
    local want=$1 label=$2 text=$3
    if printf '%b' "$text" | promtool check metrics >"$DIR/self-test.out" 2>&1; then got=pass; else got=fail; fi
    if [ "$got" != "$want" ]; then
        echo "metrics-check: self-test: promtool should $want on $label, it did not:" >&2
        cat "$DIR/self-test.out" >&2
        exit 1
    fi
}
expect fail "a malformed sample" '# HELP x_total Things.\n# TYPE x_total counter\nx_total{status="200" 1\n'
expect fail "a counter without _total" '# HELP x Things.\n# TYPE x counter\nx 1\n'
expect pass "a correct text" '# HELP x_total Things.\n# TYPE x_total counter\nx_total{status="200"} 1\n'
echo "metrics-check: self-test: promtool refuses broken metrics texts"
if [ "${1:-}" = "--self-test" ]; then exit 0; fi

# `--workspace`, as CI's tests: the same features, so what they built is reused.
cargo build --workspace --bins --locked --quiet
BIN=${CARGO_TARGET_DIR:-target}/debug/webhooks-receiver
# A secret of this run only, never printed.
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/secret"
echo >>"$DIR/secret"

# Without RUST_LOG: the lines saying where it listens are at the default level, info.
env -u RUST_LOG "$BIN" serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --log-format json \
    --db "$DIR/inbox.sqlite" --secret-key-file "$DIR/secret" \
    >"$DIR/stdout" 2>"$DIR/stderr" &
SERVER=$!
URL= ADMIN=
for _ in $(seq 1 100); do
    URL=$(grep -o 'listening on http://[0-9.:]*/' "$DIR/stderr" | head -n 1 | sed 's/listening on //') || true
    ADMIN=$(grep -o 'admin endpoints on http://[0-9.:]*/' "$DIR/stderr" | head -n 1 | sed 's/admin endpoints on //') || true
    if [ -n "$URL" ] && [ -n "$ADMIN" ]; then break; fi
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.2
done
if [ -z "$URL" ] || [ -z "$ADMIN" ]; then
    echo "metrics-check: serve did not say where it listens:" >&2
    cat "$DIR/stderr" >&2
    exit 2
fi
echo "metrics-check: serve on $URL, admin on $ADMIN"

# Valid deliveries (every sample of the stable version, twice: the second round are redeliveries),
# then a wrong secret, a wrong content type and an invalid body.
"$BIN" send "$URL" --all --repeat 2 --secret-key-file "$DIR/secret" \
    >"$DIR/send.out" 2>&1 || { cat "$DIR/send.out" >&2; exit 1; }
status() { curl -s --max-time 10 -o /dev/null -w '%{http_code}' -X POST -H "content-type: $1" --data-binary "$2" "$URL"; }
[ "$(status application/json '{"action":"incoming_chat","secret_key":"wrong"}')" = 401 ]
[ "$(status text/plain 'x')" = 415 ]
# A body failing the schema, with the right secret (from a file, not the command line).
printf '{"action":"incoming_chat","secret_key":"%s"}' "$(head -n 1 "$DIR/secret")" >"$DIR/invalid.json"
[ "$(status application/json "@$DIR/invalid.json")" = 400 ]
curl -fsS --max-time 10 "${ADMIN}healthz" >/dev/null
curl -fsS --max-time 10 "${ADMIN}readyz" >/dev/null

curl -fsS --max-time 10 "${ADMIN}metrics" >"$DIR/metrics"
if ! promtool check metrics <"$DIR/metrics" >"$DIR/promtool.out" 2>&1; then
    echo "metrics-check: promtool finds problems in /metrics:" >&2
    cat "$DIR/promtool.out" "$DIR/metrics" >&2
    exit 1
fi
for name in requests_total deliveries_stored_total deliveries_handled_total \
    handler_failures_total redeliveries_total inbox_pending inbox_dead ack_seconds_bucket \
    handler_seconds_bucket; do
    if ! grep -q "^webhooks_receiver_$name" "$DIR/metrics"; then
        echo "metrics-check: /metrics has no webhooks_receiver_$name" >&2
        cat "$DIR/metrics" >&2
        exit 1
    fi
done
if grep -qF "$(head -n 1 "$DIR/secret")" "$DIR/stderr" "$DIR/stdout" "$DIR/metrics"; then
    echo "metrics-check: the secret appears in the output" >&2
    exit 1
fi
echo "metrics-check: promtool accepts /metrics ($(grep -vc '^#' "$DIR/metrics") samples)"
