#!/usr/bin/env bash
# Checks the OpenAPI 3.1 and AsyncAPI 3.0 documents of every version (dist/vX.Y/openapi.json,
# asyncapi.json, written by `cargo xtask bundle`):
#   openapi-spec-validator  each OpenAPI document is valid (and its component schemas 2020-12)
#   redocly                 `redocly lint` passes (scripts/packages/apis/redocly.yaml)
#   asyncapi                @asyncapi/parser parses each AsyncAPI document without an error
#                           diagnostic (the others are printed)
#   samples                 every sample gets the Rust validator's verdict (samples/index.json)
#                           from its action's requestBody schema, with a 2020-12 validator
#   openapi-typescript      types generated from each OpenAPI document, every valid sample
#                           typed as its action's requestBody, compiled by tsc --strict
# The versions come from samples/index.json. The last line counts the checks passed and failed;
# any failure exits non-zero.
#
# The tools (pinned in scripts/packages/apis/requirements.txt and package-lock.json) are
# installed into <cargo target dir>/packages-cache/apis/, again only when the pins or the
# interpreter change.
#
# `--self-test`: runs the checks on a copy of dist/ where one OpenAPI and one AsyncAPI document
# are broken, and fails unless the checks of those documents fail.
#
# Environment: APIS_VERSION (check that version only; default every version) and APIS_DIST_DIR
# (the folder holding vX.Y/; default dist/ of the workspace).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
src=$root/scripts/packages/apis
target=${CARGO_TARGET_DIR:-$(cd "$root" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')}
work=$target/packages-cache/apis
start=$(date +%s%N)
seconds() { awk -v ns="$(($(date +%s%N) - start))" 'BEGIN { printf "%.1f", ns / 1e9 }'; }
export PYTHONDONTWRITEBYTECODE=1 REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
mkdir -p "$work"

if [ "${1:-}" = "--self-test" ]; then
    broken=$(mktemp -d)
    trap 'rm -rf "$broken"' EXIT
    cp -r "$root/dist/." "$broken/"
    version=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["stable_version"])' \
        "$root/samples/index.json")
    # OpenAPI: the schema of one webhook's body names a component that does not exist, and
    # `required` of that body is no boolean. AsyncAPI: an operation of a kind AsyncAPI has not.
    python3 - "$broken/v$version" <<'PY'
import json, pathlib, sys
folder = pathlib.Path(sys.argv[1])
path = folder / "openapi.json"
doc = json.loads(path.read_text(encoding="utf-8"))
action = next(iter(doc["webhooks"]))
body = doc["webhooks"][action]["post"]["requestBody"]
body["content"]["application/json"]["schema"]["$ref"] = "#/components/schemas/NoSuchSchema"
body["required"] = "yes"
path.write_text(json.dumps(doc), encoding="utf-8")
path = folder / "asyncapi.json"
doc = json.loads(path.read_text(encoding="utf-8"))
doc["operations"][next(iter(doc["operations"]))]["action"] = "listen"
path.write_text(json.dumps(doc), encoding="utf-8")
PY
    set +e
    output=$(APIS_VERSION=$version APIS_DIST_DIR=$broken bash "$0" 2>&1)
    status=$?
    set -e
    missing=()
    for check in openapi-spec-validator redocly asyncapi samples openapi-typescript; do
        grep -q "^apis: FAILED: .*\b$check@$version\b" <<<"$output" || missing+=("$check")
    done
    if [ "$status" -eq 0 ] || [ ${#missing[@]} -gt 0 ]; then
        printf '%s\n' "$output"
        echo "apis-check --self-test: the broken v$version documents were not reported by: ${missing[*]:-} (exit $status)"
        exit 1
    fi
    echo "apis-check --self-test: broken v$version documents fail every check ($(seconds) s)"
    exit 0
fi

# The pinned Python packages in a virtual environment, the Node packages from the committed
# lock file; the helpers are copied next to node_modules so that their imports resolve.
# shellcheck source=scripts/lib/pinned.sh
source "$root/scripts/lib/pinned.sh"
venv=$work/venv
pinned_venv "$venv" "$src/requirements.txt" apis
node_dir=$work/node
pinned_node "$node_dir" "$src" apis
cp "$src"/*.mjs "$node_dir/"
bin=$node_dir/node_modules/.bin
echo "apis: tools installed in $(seconds) s"

# The documents are read from APIS_DIST_DIR when given: a copy of the workspace with that dist/.
dist=${APIS_DIST_DIR:-$root/dist}
tree=$root
if [ -n "${APIS_DIST_DIR:-}" ]; then
    tree=$(mktemp -d)
    trap 'rm -rf "$tree"' EXIT
    ln -s "$root/samples" "$tree/samples"
    ln -s "$dist" "$tree/dist"
fi
versions=$(python3 -c '
import json, sys
print(*(v["version"] for v in json.load(open(sys.argv[1], encoding="utf-8"))["versions"]))
' "$root/samples/index.json")

failed=()
passed=0
check() {
    local name=$1 begin
    shift
    begin=$(date +%s%N)
    if "$@"; then
        passed=$((passed + 1))
        echo "apis: $name passed ($(awk -v ns="$(($(date +%s%N) - begin))" 'BEGIN { printf "%.1f", ns / 1e9 }') s)"
    else
        failed+=("$name")
        echo "apis: $name FAILED"
    fi
}
# (`set -e` does not apply inside a function run as a condition: each step returns on failure.)
typescript() {
    local out=$work/ts
    node "$node_dir/gen_types.mjs" "$tree" "$out" "$@" || return 1
    "$bin/tsc" -p "$out/tsconfig.json" --noEmit --strict || return 1
    echo "tsc $("$bin/tsc" --version | sed 's/^Version //') --strict: the types and the typed samples compile"
}
only=${APIS_VERSION:-}
selected=()
for version in $versions; do
    [ -z "$only" ] || [ "$version" = "$only" ] || continue
    selected+=("$version")
    echo "apis: API v$version"
    check "openapi-spec-validator@$version" "$venv/bin/python" "$src/check_openapi.py" spec \
        "$tree" "$version"
    check "samples@$version" "$venv/bin/python" "$src/check_openapi.py" samples "$tree" "$version"
done
# The Node tools take every version in one run: most of their time is starting up.
if [ ${#selected[@]} -gt 0 ]; then
    all=$(IFS=,; echo "${selected[*]}")
    openapi=() asyncapi=()
    for version in "${selected[@]}"; do
        openapi+=("$tree/dist/v$version/openapi.json")
        asyncapi+=("$tree/dist/v$version/asyncapi.json")
    done
    echo "apis: API v$all"
    check "redocly@$all" "$bin/redocly" lint --config "$src/redocly.yaml" --format=stylish \
        "${openapi[@]}"
    check "asyncapi@$all" node "$node_dir/parse_asyncapi.mjs" "${asyncapi[@]}"
    check "openapi-typescript@$all" typescript "${selected[@]}"
fi
# README's Python example (the first ```python block after its "OpenAPI and AsyncAPI"
# heading), run from the workspace root: silent on a valid body, an error per line on one with
# a wrong `status`.
readme_example() {
    "$venv/bin/python" - "$root" <<'PY'
import json, pathlib, re, subprocess, sys
root = pathlib.Path(sys.argv[1])
text = (root / "README.md").read_text(encoding="utf-8")
heading = re.search(r"^#+ OpenAPI and AsyncAPI$", text, re.M)
blocks = re.findall(r"^```python\n(.*?)^```", text[heading.end():], re.M | re.S) if heading else []
if not blocks:
    sys.exit("README.md has no Python example after its OpenAPI and AsyncAPI heading")
program = "import sys\nbody = sys.stdin.buffer.read()\n" + blocks[0]
sample = json.loads((root / "samples/v3.6/routing_status_set.json").read_bytes())
wrong = dict(sample, payload=dict(sample["payload"], status=7))
for body, valid in [(sample, True), (wrong, False)]:
    run = subprocess.run([sys.executable, "-c", program], input=json.dumps(body).encode(),
                         capture_output=True, cwd=root)
    lines = run.stdout.decode().splitlines()
    located = all(line.startswith("$.payload.status ") for line in lines)
    if run.returncode != 0 or (not lines) != valid or not located:
        sys.exit(f"README example: valid={valid}, printed {lines} {run.stderr.decode()}")
print("README's OpenAPI example: a valid body passes, a wrong status is reported at $.payload.status")
PY
}
if [ -z "${APIS_DIST_DIR:-}" ]; then
    check "readme-example" readme_example
fi
if [ $((passed + ${#failed[@]})) -eq 0 ]; then
    echo "apis: no version to check"
    exit 1
fi

# The last line is a plain count of the checks, readable by any CI summary.
if [ ${#failed[@]} -gt 0 ]; then
    echo "apis: FAILED: ${failed[*]} ($(seconds) s)"
    echo "apis: $passed passed, ${#failed[@]} failed"
    exit 1
fi
echo "apis: every document passes ($(seconds) s)"
echo "apis: $passed passed, 0 failed"
