#!/usr/bin/env bash
# Measures `webhooks-validate --ndjson` side by side with its peers, in one run, on one NDJSON
# stream: ROUNDS rounds through the valid samples (documented and extra) of the stable version,
# ids varied. Peers: a one-thread Rust program parsing each line into `serde_json::Value`
# (examples/value_baseline.rs), LiveChat's Python SDK, Python's json.loads, fastjsonschema and
# jsonschema. The Python packages, pinned, are installed in a virtual environment under the
# build folder. Prints a markdown table. Usage: bench/compare-python.sh [ROUNDS] (default 120:
# a stream of about 9 MB)
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-120}
target=${CARGO_TARGET_DIR:-target}
venv=$target/bench-python
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
    jsonschema==4.23.0 fastjsonschema==2.21.1 rfc3339-validator==0.1.4 rfc3987==1.3.8 \
    lc-sdk-python==0.4.2

cargo build --quiet --release -p webhooks-validate --bin webhooks-validate --example value_baseline

corpus=$venv/corpus.ndjson
schemas=$("$venv/bin/python" bench/compare_python.py corpus "$rounds" "$corpus")
"$venv/bin/python" bench/compare_python.py measure "$schemas" "$corpus" \
    "$target/release/webhooks-validate" "$target/release/examples/value_baseline"
# Start-up: one body, whole process, against the bare serde_json program (fails over 3x).
"$venv/bin/python" bench/compare_python.py startup "$corpus" \
    "$target/release/webhooks-validate" "$target/release/examples/value_baseline"
