#!/usr/bin/env bash
# Builds the packages for other languages (`cargo xtask package`: the npm tarball, the wheel
# and the sdist in <target>/packages/) and checks each from its built artifact, installed in a
# scratch project outside the repository, then the OpenAPI and AsyncAPI documents of dist/:
#   scripts/packages/npm-check.sh     the npm package (types with tsc, validators, parse)
#   scripts/packages/python-check.sh  the wheel (models, parse, errors, mypy --strict)
#   scripts/packages/apis-check.sh    dist/vX.Y/openapi.json and asyncapi.json
# Each prints its own count; this script fails when one of them does, after running all.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
cargo xtask package
failed=()
for check in npm python apis; do
    printf '\n--- %s\n' "$check"
    if ! bash "scripts/packages/$check-check.sh"; then
        failed+=("$check")
    fi
done
printf '\npackages: %s s\n' "$(($(date +%s) - start))"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "packages: failed: ${failed[*]}" >&2
    exit 1
fi
