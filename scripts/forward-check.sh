#!/usr/bin/env bash
# Runs the README's two verifier examples (crates/webhooks-receiver/README.md, "Forwarding"):
# Python's `standardwebhooks` from PyPI and TypeScript's from npm, pinned in scripts/forward/,
# behind a real `serve --forward`, and checks what they received (scripts/forward/check.py):
# every stored delivery verified once at each destination with the stored bytes and no secret,
# keyed redeliveries not forwarded again, a destination answering 500 twice retried under the
# same webhook-id, a destination down for 15 s served after it returns.
#
# What it installs goes to target/forward-check/, reinstalled only when the pins or the
# interpreter change.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/scripts/forward
work=${FORWARD_CHECK_WORK_DIR:-$root/target/forward-check}
# shellcheck source=scripts/lib/pinned.sh
. "$root/scripts/lib/pinned.sh"
mkdir -p "$work"

pinned_venv "$work/venv" "$src/requirements.txt" forward-check
pinned_node "$work/node" "$src" forward-check

# The examples exactly as the README shows them: its first python and ts blocks after
# "## Forwarding".
readme=$root/crates/webhooks-receiver/README.md
extract() {
    awk -v lang="$1" '
        /^## Forwarding/ { section = 1; next }
        section && /^## / { section = 0 }
        section && !done && $0 == "```" lang { inside = 1; next }
        inside && /^```/ { inside = 0; done = 1; next }
        inside { print }
    ' "$readme"
}
extract python >"$work/verify.py"
extract ts >"$work/node/verify.ts"
for f in "$work/verify.py" "$work/node/verify.ts"; do
    [ -s "$f" ] || { echo "forward-check: no example for $f in $readme" >&2; exit 2; }
done
cp "$src/verifier_server.py" "$work/"
cp "$src/verifier_server.ts" "$src/tsconfig.json" "$work/node/"
(cd "$work/node" && node_modules/.bin/tsc -p .)

cargo build -p webhooks-receiver --locked --quiet
bin=${CARGO_TARGET_DIR:-$root/target}/debug/webhooks-receiver
"$work/venv/bin/python" "$src/check.py" "$bin" "$work" "$work/node"
