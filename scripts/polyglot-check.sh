#!/usr/bin/env bash
# Proves the bundled schemas of dist/v3.5/ in other toolchains, against every sample:
#   python-jsonschema  Draft7Validator with format checking validates every sample
#   python-pydantic    datamodel-code-generator models (one per action) parse every valid sample
#   ajv                ajv (draft-07) with ajv-formats validates every sample
#   typescript         json-schema-to-typescript types, every valid sample assigned as a literal,
#                      checked by tsc --strict
# Valid samples must be valid, negative ones invalid with an error at the pointer recorded in
# samples/v3.5/invalid/expected.json. Any disagreement or failed step fails the script.
#
# What it installs (pinned in scripts/polyglot/requirements.txt and package-lock.json) goes to
# target/polyglot/, reinstalled only when the pins or the interpreter change.
#
# `--self-test`: runs the check on a copy of the samples where one valid sample has a number for
# its `webhook_id`, and fails unless every toolchain reports it.
#
# Environment: POLYGLOT_SAMPLES_DIR (default samples/v3.5), POLYGLOT_BUNDLE_DIR (default
# dist/v3.5), POLYGLOT_WORK_DIR (default target/polyglot).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/scripts/polyglot
work=${POLYGLOT_WORK_DIR:-$root/target/polyglot}
samples=${POLYGLOT_SAMPLES_DIR:-$root/samples/v3.5}
bundle=${POLYGLOT_BUNDLE_DIR:-$root/dist/v3.5}
start=$(date +%s%N)
seconds() { awk -v ns="$(($(date +%s%N) - start))" 'BEGIN { printf "%.1f", ns / 1e9 }'; }
export PYTHONDONTWRITEBYTECODE=1
mkdir -p "$work"

if [ "${1:-}" = "--self-test" ]; then
    broken=$(mktemp -d)
    trap 'rm -rf "$broken"' EXIT
    cp -r "$samples/." "$broken/"
    sample=$(python3 - "$broken" <<'EOF'
import json, pathlib, sys
path = next(p for p in sorted(pathlib.Path(sys.argv[1]).glob("*.json")) if p.name != "errata.json")
value = json.loads(path.read_text(encoding="utf-8"))
value["webhook_id"] = 7
path.write_text(json.dumps(value, indent=2), encoding="utf-8")
print(path.name)
EOF
)
    set +e
    output=$(POLYGLOT_SAMPLES_DIR=$broken bash "$0" 2>&1)
    status=$?
    set -e
    expected="polyglot-check: FAILED: python-jsonschema python-pydantic ajv typescript"
    if [ "$status" -ne 1 ] || ! grep -q "^$expected " <<<"$output"; then
        printf '%s\n' "$output"
        echo "polyglot-check --self-test: a number as webhook_id in $sample was not reported by every toolchain (exit $status)"
        exit 1
    fi
    echo "polyglot-check --self-test: a number as webhook_id in $sample fails every toolchain ($(seconds) s)"
    exit 0
fi

# Python: a virtual environment with the pinned packages.
venv=$work/venv
want="$(python3 --version 2>&1) $(sha256sum <"$src/requirements.txt")"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.installed" 2>/dev/null)" != "$want" ]; then
    echo "polyglot: installing the Python packages into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-virtualenv \
        -r "$src/requirements.txt"
    printf '%s' "$want" >"$venv/.installed"
fi

# Node: npm ci from the committed lock file; the helpers are copied next to node_modules so
# that their imports resolve.
node_dir=$work/node
want="$(node --version) $(cat "$src/package.json" "$src/package-lock.json" | sha256sum)"
if [ ! -d "$node_dir/node_modules" ] || [ "$(cat "$node_dir/.installed" 2>/dev/null)" != "$want" ]; then
    echo "polyglot: installing the Node packages into $node_dir"
    rm -rf "$node_dir"
    mkdir -p "$node_dir"
    cp "$src/package.json" "$src/package-lock.json" "$node_dir/"
    (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    printf '%s' "$want" >"$node_dir/.installed"
fi
cp "$src"/*.mjs "$node_dir/"
echo "polyglot: installed in $(seconds) s; samples from $samples, bundles from $bundle"

failed=()
check() {
    local name=$1
    shift
    if ! "$@"; then
        failed+=("$name")
    fi
}

# (`set -e` does not apply inside a function run as a condition: each step returns on failure.)
typescript() {
    local out=$work/ts
    node "$node_dir/gen_ts.mjs" "$bundle" "$samples" "$out" >/dev/null || return 1
    "$node_dir/node_modules/.bin/tsc" -p "$out/tsconfig.json" || return 1
    local version count types
    version=$("$node_dir/node_modules/.bin/tsc" --version)
    count=$(grep -c '^export const sample' "$out/samples.ts")
    types=$(find "$out/types" -name '*.d.ts' | wc -l)
    echo "typescript (json-schema-to-typescript, ${version}, --strict): $count valid samples type-checked against $types generated types, 0 errors"
}

check python-jsonschema "$venv/bin/python" "$src/check_jsonschema.py" "$bundle/webhook.json" "$samples"
check python-pydantic "$venv/bin/python" "$src/check_pydantic.py" "$bundle/actions" "$samples" \
    "$work/python/webhook_models"
check ajv node "$node_dir/check_ajv.mjs" "$bundle" "$samples"
check typescript typescript

# The last line is a plain count of the toolchains, readable by any CI summary.
if [ ${#failed[@]} -gt 0 ]; then
    echo "polyglot-check: FAILED: ${failed[*]} ($(seconds) s)"
    echo "polyglot-check: $((4 - ${#failed[@]})) passed, ${#failed[@]} failed"
    exit 1
fi
echo "polyglot-check: all toolchains agree ($(seconds) s)"
echo "polyglot-check: 4 passed, 0 failed"
