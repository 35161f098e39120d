#!/usr/bin/env bash
# Drives the release `webhooks-validate` with hostile bodies (written by bench/hostile.py under
# target/hostile/) and prints, per input: its size, the exit status, the bytes of output, the
# maximum resident memory and the elapsed seconds (from /usr/bin/time -v).
#
# usage: bench/hostile.sh [BASELINE_BINARY]
# With BASELINE_BINARY (another build of the command, e.g. of an older commit), each input is
# also run through it, on the same files in the same run, and the ratios are printed.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
cargo build --quiet --release -p webhooks-validate --bin webhooks-validate
current=$target/release/webhooks-validate
baseline=${1:-}
dir=$target/hostile
if [ ! -f "$dir/ndjson_50mb_integers.ndjson" ] || [ bench/hostile.py -nt "$dir/ndjson_50mb_integers.ndjson" ]; then
    # The samples of the oldest version, as samples/index.json lists them.
    samples=$(python3 -c 'import json; print(json.load(open("samples/index.json"))["versions"][0]["samples"])')
    python3 bench/hostile.py "$samples" "$dir"
fi

# name|arguments|arguments the baseline is not given (options it may not know)
inputs=(
    "events_20k_invalid.json||--max-body-size 8388608"
    "events_100k_integers.json||"
    "events_1mb_integers.json||"
    "strict_50k_keys.json|--strict|"
    "body_60mb_string.json||"
    "ndjson_200mb_line.ndjson|--ndjson|"
    "ndjson_50mb_integers.ndjson|--ndjson|"
    "valid_corpus.ndjson|--ndjson|"
)

# Runs BINARY on one input; prints "exit out_bytes rss_mb seconds".
measure() {
    local binary=$1 file=$2 args=$3 log
    log=$(mktemp)
    local status=0
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$log" timeout 600 "$binary" $args "$file" >"$log.out" 2>/dev/null \
        || status=$?
    local rss seconds bytes
    rss=$(awk -F: '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$log")
    seconds=$(awk '/Elapsed \(wall clock\)/ {n = split($NF, t, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s}' "$log")
    bytes=$(wc -c <"$log.out")
    rm -f "$log" "$log.out"
    echo "$status $bytes $rss $seconds"
}

printf '%-30s %9s | %-8s %4s %10s %8s %7s\n' input "size MB" binary exit "out bytes" "RSS MB" seconds
for entry in "${inputs[@]}"; do
    IFS='|' read -r name args extra <<<"$entry"
    file=$dir/$name
    size=$(awk -v b="$(stat -c %s "$file")" 'BEGIN {printf "%.2f", b / 1048576}')
    read -r status bytes rss seconds <<<"$(measure "$current" "$file" "$args $extra")"
    printf '%-30s %9s | %-8s %4s %10s %8s %7s\n' "$name" "$size" current "$status" "$bytes" "$rss" "$seconds"
    if [ -n "$baseline" ]; then
        read -r b_status b_bytes b_rss b_seconds <<<"$(measure "$baseline" "$file" "$args")"
        printf '%-30s %9s | %-8s %4s %10s %8s %7s' "" "" baseline "$b_status" "$b_bytes" "$b_rss" "$b_seconds"
        awk -v r="$rss" -v br="$b_rss" -v s="$seconds" -v bs="$b_seconds" \
            'BEGIN {printf "   (baseline/current: memory %.1fx, time %.1fx)\n", br / r, bs / (s > 0 ? s : 0.01)}'
    fi
done
