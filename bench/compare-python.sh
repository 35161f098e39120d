#!/usr/bin/env bash
# Compares `webhooks-validate` with Python's jsonschema and fastjsonschema on the documented
# samples (as NDJSON, repeated), against the same schemas. Installs the Python packages in a
# virtual environment under target/. Usage: bench/compare-python.sh [COPIES]
set -euo pipefail
cd "$(dirname "$0")/.."

copies=${1:-200}
venv=target/bench-python
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
    jsonschema==4.23.0 fastjsonschema==2.21.1 rfc3339-validator==0.1.4 rfc3987==1.3.8

cargo build --quiet --release -p webhooks-validate --bin webhooks-validate

corpus=$venv/corpus.ndjson
# The documented samples of the typed version, as samples/index.json lists them.
schemas=$("$venv/bin/python" - "$copies" "$corpus" <<'PY'
import json, pathlib, sys
copies, out = int(sys.argv[1]), pathlib.Path(sys.argv[2])
manifest = json.loads(pathlib.Path("samples/index.json").read_text())
version = next(v for v in manifest["versions"] if v["version"] == manifest["stable_version"])
folder = pathlib.Path(version["samples"])
lines = [json.dumps(json.loads((folder / f["file"]).read_text()), separators=(",", ":"))
         for f in version["files"] if f["kind"] == "documented"]
out.write_text("\n".join(lines * copies) + "\n")
print(version["schemas"])
PY
)

"$venv/bin/python" bench/compare_python.py "$schemas" "$corpus" "${CARGO_TARGET_DIR:-target}/release/webhooks-validate"
