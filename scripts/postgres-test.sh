#!/usr/bin/env bash
# Runs the PostgreSQL tests of webhooks-receiver against a real server: installs PostgreSQL
# from the system's packages if absent, starts a throwaway cluster on a free local port as an
# unprivileged user (the `postgres` account when run as root), passes its connection string
# in WEBHOOKS_RECEIVER_TEST_POSTGRES, and removes the cluster afterwards.
#
#   bash scripts/postgres-test.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/postgres.sh

trap postgres_stop EXIT
postgres_start postgres-test

# `--workspace`, as the README's test command: the same features, so the dependencies built for
# it are reused instead of built again.
cargo test --workspace --test postgres --test postgres_serve --test forward --locked "$@" -- --nocapture
