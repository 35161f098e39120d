#!/usr/bin/env bash
# Proves the bundled schemas of every version (dist/vX.Y/) in other toolchains, against every
# sample of that version:
#   python-jsonschema  Draft7Validator with format checking validates every sample
#   python-pydantic    datamodel-code-generator models (one per action) parse every valid sample
#   ajv                ajv (draft-07) with ajv-formats validates every sample
#   typescript         json-schema-to-typescript types, every valid sample assigned as a literal,
#                      checked by tsc --strict
# Valid samples must be valid, negative ones invalid with an error at the pointer recorded in
# the version's invalid/expected.json. Any disagreement or failed step fails the script. The
# versions, their folders and their samples come from samples/index.json (cargo xtask codegen).
#
# What it installs (pinned in scripts/polyglot/requirements.txt and package-lock.json) goes to
# target/polyglot/, reinstalled only when the pins or the interpreter change.
#
# `--self-test`: runs the check on a copy of the samples where one valid sample has a number for
# its `webhook_id`, and fails unless every toolchain reports it.
#
# Environment: POLYGLOT_VERSION (check that version only; default every version), with it
# POLYGLOT_SAMPLES_DIR and POLYGLOT_BUNDLE_DIR (default: the version's folders), and
# POLYGLOT_WORK_DIR (default target/polyglot).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/scripts/polyglot
work=${POLYGLOT_WORK_DIR:-$root/target/polyglot}
export POLYGLOT_MANIFEST=$root/samples/index.json
# `version samples-folder dist-folder` per version, then `typed VERSION -`, from the manifest.
folders() {
    python3 -c '
import json, sys
manifest = json.load(open(sys.argv[1], encoding="utf-8"))
for v in manifest["versions"]:
    print(v["version"], v["samples"], v["dist"])
print("typed", manifest["stable_version"], "-")
' "$POLYGLOT_MANIFEST"
}
start=$(date +%s%N)
seconds() { awk -v ns="$(($(date +%s%N) - start))" 'BEGIN { printf "%.1f", ns / 1e9 }'; }
export PYTHONDONTWRITEBYTECODE=1
mkdir -p "$work"

if [ "${1:-}" = "--self-test" ]; then
    version=$(folders | awk '$1 == "typed" { print $2 }')
    samples=$root/$(folders | awk -v v="$version" '$1 == v { print $2 }')
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
    output=$(POLYGLOT_VERSION=$version POLYGLOT_SAMPLES_DIR=$broken bash "$0" 2>&1)
    status=$?
    set -e
    expected="polyglot-check: FAILED: python-jsonschema@$version python-pydantic@$version ajv@$version typescript@$version"
    if [ "$status" -ne 1 ] || ! grep -q "^$expected " <<<"$output"; then
        printf '%s\n' "$output"
        echo "polyglot-check --self-test: a number as webhook_id in $sample was not reported by every toolchain (exit $status)"
        exit 1
    fi
    echo "polyglot-check --self-test: a number as webhook_id in $sample fails every toolchain ($(seconds) s)"
    exit 0
fi

# The pinned Python packages in a virtual environment, the Node packages from the committed
# lock file; the helpers are copied next to node_modules so that their imports resolve.
# shellcheck source=scripts/lib/pinned.sh
source "$root/scripts/lib/pinned.sh"
venv=$work/venv
pinned_venv "$venv" "$src/requirements.txt" polyglot
node_dir=$work/node
pinned_node "$node_dir" "$src" polyglot
cp "$src"/*.mjs "$node_dir/"
echo "polyglot: installed in $(seconds) s"

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
    local out=$work/ts/v$version
    node "$node_dir/gen_ts.mjs" "$bundle" "$samples" "$out" >/dev/null || return 1
    "$node_dir/node_modules/.bin/tsc" -p "$out/tsconfig.json" || return 1
    local version count types
    version=$("$node_dir/node_modules/.bin/tsc" --version)
    count=$(grep -c '^export const sample' "$out/samples.ts")
    types=$(find "$out/types" -name '*.d.ts' | wc -l)
    echo "typescript (json-schema-to-typescript, ${version}, --strict): $count valid samples type-checked against $types generated types, 0 errors"
}

count=0
only=${POLYGLOT_VERSION:-}
while read -r version samples_rel dist_rel; do
    [ "$version" != typed ] || continue
    [ -z "$only" ] || [ "$version" = "$only" ] || continue
    export POLYGLOT_VERSION=$version
    samples=${POLYGLOT_SAMPLES_DIR:-$root/$samples_rel}
    bundle=${POLYGLOT_BUNDLE_DIR:-$root/$dist_rel}
    echo "polyglot: API v$version: samples from $samples, bundles from $bundle"
    check "python-jsonschema@$version" "$venv/bin/python" "$src/check_jsonschema.py" \
        "$bundle/webhook.json" "$samples"
    check "python-pydantic@$version" "$venv/bin/python" "$src/check_pydantic.py" \
        "$bundle/actions" "$samples" "$work/python/v$version/webhook_models"
    check "ajv@$version" node "$node_dir/check_ajv.mjs" "$bundle" "$samples"
    check "typescript@$version" typescript
    count=$((count + 4))
done < <(folders)
if [ "$count" -eq 0 ]; then
    echo "polyglot-check: no version to check"
    exit 1
fi

# The last line is a plain count of the toolchains, readable by any CI summary.
if [ ${#failed[@]} -gt 0 ]; then
    echo "polyglot-check: FAILED: ${failed[*]} ($(seconds) s)"
    echo "polyglot-check: $((count - ${#failed[@]})) passed, ${#failed[@]} failed"
    exit 1
fi
echo "polyglot-check: all toolchains agree ($(seconds) s)"
echo "polyglot-check: $count passed, 0 failed"
