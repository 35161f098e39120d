#!/usr/bin/env bash
# Checks the Python package that `cargo xtask package` built (the wheel in
# <target>/packages/): installs it with its dependencies (pinned by python-constraints.txt) and
# mypy into a fresh virtual environment in a temporary folder outside the repository, then runs
# python_check.py from there (see its docstring for what it checks). pip's downloads are cached
# in <target>/packages-cache/pip/. The last line is `python package: N passed, M failed`.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/scripts/packages
target=${CARGO_TARGET_DIR:-$root/target}
start=$(date +%s%N)
seconds() { awk -v ns="$(($(date +%s%N) - start))" 'BEGIN { printf "%.1f", ns / 1e9 }'; }

shopt -s nullglob
wheels=("$target"/packages/livechat_webhooks-*-py3-none-any.whl)
if [ ${#wheels[@]} -ne 1 ]; then
    echo "python package: expected one wheel in $target/packages/ (run cargo xtask package), found ${#wheels[@]}"
    echo "python package: 0 passed, 1 failed"
    exit 1
fi
wheel=${wheels[0]}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
case "$scratch/" in
"$root"/*) echo "python package: the scratch folder $scratch is inside the repository"; exit 1 ;;
esac
python3 -m venv "$scratch/venv"
PIP_CACHE_DIR=$target/packages-cache/pip "$scratch/venv/bin/pip" install --quiet \
    --disable-pip-version-check --require-virtualenv --no-compile \
    --constraint "$here/python-constraints.txt" "$wheel" mypy
echo "python package: $(basename "$wheel") installed in $(seconds) s"
cp "$here/python_check.py" "$here/python_usage.py" "$scratch/"
cd "$scratch"
status=0
PYTHONDONTWRITEBYTECODE=1 "$scratch/venv/bin/python" python_check.py "$root" "$wheel" || status=$?
echo "python package: checked in $(seconds) s"
exit $status
