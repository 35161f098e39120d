#!/usr/bin/env bash
# Checks the npm package from its built tarball (`cargo xtask package` puts it in
# <target>/packages/): installs it in a scratch project outside the repository beside the
# pinned tools of scripts/packages/npm-consumer/ (package-lock.json: typescript, ajv,
# ajv-formats), then runs npm-consumer/check.mjs there: every sample of every version listed in
# samples/index.json through `validate`, `errors` and `parse`, hostile bodies, the exports,
# ajv's strict compile of every shipped schema, the types under tsc --strict true and false, and
# mutations of the documented samples judged by webhooks-validate and the package alike (see
# check.mjs, typecheck.mjs and differential.mjs). The last line is
# `npm package: N passed, M failed`.
#
# The tools are installed once into <target>/packages-cache/npm-consumer/ and reinstalled when
# the lock file or node changes. Environment: NPM_CHECK_TARBALL (default: the one tarball of
# <target>/packages/), NPM_CHECK_VALIDATOR (default: webhooks-validate built by cargo into
# <target>/debug/).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
src=$root/scripts/packages/npm-consumer
start=$(date +%s%N)
seconds() { awk -v ns="$(($(date +%s%N) - start))" 'BEGIN { printf "%.1f", ns / 1e9 }'; }

target=${CARGO_TARGET_DIR:-}
if [ -z "$target" ]; then
    target=$(cd "$root" && cargo metadata --format-version 1 --no-deps |
        node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))')
fi
tarball=${NPM_CHECK_TARBALL:-}
if [ -z "$tarball" ]; then
    shopt -s nullglob
    found=("$target"/packages/livechat-webhooks-*.tgz)
    shopt -u nullglob
    if [ "${#found[@]}" -ne 1 ]; then
        echo "npm-check: expected one tarball in $target/packages/ (run cargo xtask package), found ${#found[@]}"
        echo "npm package: 0 passed, 1 failed"
        exit 1
    fi
    tarball=${found[0]}
fi

validator=${NPM_CHECK_VALIDATOR:-}
if [ -z "$validator" ]; then
    (cd "$root" && cargo build --locked --quiet -p webhooks-validate)
    validator=$target/debug/webhooks-validate
fi

cache=$target/packages-cache/npm-consumer
# shellcheck source=scripts/lib/pinned.sh
source "$root/scripts/lib/pinned.sh"
pinned_node "$cache" "$src" npm-check

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
case "$scratch/" in
"$root"/*)
    echo "npm-check: the scratch folder $scratch is inside the repository"
    exit 1
    ;;
esac
cp "$src/package.json" "$src/package-lock.json" "$src"/*.mjs "$src/usage.ts" "$scratch/"
cp -R "$cache/node_modules" "$scratch/node_modules"
(cd "$scratch" && npm install --no-save --ignore-scripts --no-audit --no-fund --prefer-offline \
    --loglevel=error "$tarball" >/dev/null)
echo "npm-check: $(basename "$tarball") installed in $scratch ($(seconds) s)"
# check.mjs prints the time since $start, then the count as the last line.
cd "$scratch"
NPM_CHECK_ROOT=$root NPM_CHECK_VALIDATOR=$validator NPM_CHECK_START=$start node check.mjs
