#!/usr/bin/env bash
# Proves the shell completions and man pages that `cargo xtask dist-cli` writes:
#   bash   each completion script, sourced in a plain bash (no bash-completion package),
#          registers a function with `complete -F`; called as bash calls it, that function
#          offers `--api-version` for `webhooks-validate --api` and for
#          `webhooks-receiver serve --api` and `send --api`, the API versions after
#          `--api-version`, and the subcommands for `webhooks-receiver se`
#   zsh    each script parses (`zsh -n`), when zsh is installed
#   fish   each script parses and offers `--api-version` as bash's does, when fish is installed
#   man    `man -l` renders each page (exit 0) with the command's name in it, and
#          `--api-version` in the pages of the commands that take it
# Exits non-zero when a check fails; ends with `cli dist: N passed, M failed`.
#
# `man` is installed (man-db, with apt-get) when absent.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

listing=$(cargo xtask dist-cli)
printf '%s\n' "$listing"
# The folder, from the task's last line: `dist-cli: N files in DIR`.
dist=$(printf '%s\n' "$listing" | sed -n 's/^dist-cli: [0-9]* files in //p' | tail -n 1)
case "$dist" in
    /*) ;;
    *) dist=$root/$dist ;;
esac
test -d "$dist" || { echo "cli dist: no folder $dist" >&2; exit 1; }

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok      $*"; }
fail() { failed=$((failed + 1)); echo "FAILED  $*"; }

# What the completion function that `script` registers for `command` offers for the words
# `words...` (the last one being completed), one per line.
complete_words() {
    local script=$1
    shift
    bash --norc --noprofile -s "$script" "$@" 2>/dev/null <<'EOF'
script=$1
shift
source "$script"
words=("$@")
spec=$(complete -p "${words[0]}") || exit 3
fn=$(printf '%s\n' "$spec" | sed -E 's/.* -F ([^ ]+) .*/\1/')
COMP_WORDS=("${words[@]}")
COMP_CWORD=$((${#words[@]} - 1))
COMP_LINE="${words[*]}"
COMP_POINT=${#COMP_LINE}
prev=${words[0]}
if [ "$COMP_CWORD" -gt 0 ]; then
    prev=${words[COMP_CWORD - 1]}
fi
"$fn" "${words[0]}" "${words[COMP_CWORD]}" "$prev"
printf '%s\n' "${COMPREPLY[@]}"
EOF
}

# check_completion SCRIPT WANT WORDS...: WANT is among what WORDS complete to.
check_completion() {
    local script=$1 want=$2
    shift 2
    local offered
    if offered=$(complete_words "$script" "$@") && printf '%s\n' "$offered" | grep -qxF -- "$want"; then
        pass "bash: '$*' offers $want"
    else
        fail "bash: '$*' offers $want (offered: $(printf '%s ' $offered))"
    fi
}

completions=$dist/completions
# The stable API version, from the manifest (the version lists are written in xtask/src/layout.rs).
stable=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["stable_version"])' samples/index.json)
check_completion "$completions/webhooks-validate.bash" --api-version webhooks-validate --api
check_completion "$completions/webhooks-validate.bash" "$stable" webhooks-validate --api-version ''
check_completion "$completions/webhooks-receiver.bash" --api-version webhooks-receiver serve --api
check_completion "$completions/webhooks-receiver.bash" --api-version webhooks-receiver send --api
check_completion "$completions/webhooks-receiver.bash" "$stable" webhooks-receiver serve --api-version ''
check_completion "$completions/webhooks-receiver.bash" serve webhooks-receiver se
check_completion "$completions/webhooks-receiver.bash" --color webhooks-receiver prune --co

for command in webhooks-validate webhooks-receiver; do
    if command -v zsh >/dev/null; then
        if zsh -n "$completions/_$command"; then pass "zsh: _$command parses"; else fail "zsh: _$command parses"; fi
    else
        echo "skipped zsh: _$command (no zsh here)"
    fi
    if command -v fish >/dev/null; then
        line="$command --api"
        [ "$command" = webhooks-receiver ] && line="$command serve --api"
        if fish --no-execute "$completions/$command.fish" &&
            fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$completions/$command.fish" "$line" |
            grep -q -- '^--api-version'; then
            pass "fish: '$line' offers --api-version"
        else
            fail "fish: '$line' offers --api-version"
        fi
    else
        echo "skipped fish: $command.fish (no fish here)"
    fi
done

if ! command -v man >/dev/null; then
    echo "installing man-db"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo=sudo; fi
    $sudo apt-get update -qq && $sudo apt-get install -y -qq man-db >/dev/null
fi

# check_page PAGE WANT...: `man -l` renders PAGE, and the text holds each WANT.
check_page() {
    local page=$1
    shift
    local text
    # Wide lines, ASCII: an option is never hyphenated across lines nor its dashes turned into
    # other characters.
    if ! text=$(LC_ALL=C MANWIDTH=1000 man -l -P cat "$dist/man/$page" 2>&1); then
        fail "man: $page renders ($text)"
        return
    fi
    local want
    for want in "$@"; do
        if ! printf '%s\n' "$text" | grep -qF -- "$want"; then
            fail "man: $page holds '$want'"
            return
        fi
    done
    pass "man: $page renders with $*"
}

check_page webhooks-validate.1 webhooks-validate --api-version --secret-key-file LIVECHAT_SECRET_KEY
check_page webhooks-receiver.1 webhooks-receiver serve send --color --version
check_page webhooks-receiver-serve.1 webhooks-receiver-serve --api-version --secret-key-env LIVECHAT_SECRET_KEY
check_page webhooks-receiver-send.1 webhooks-receiver-send --api-version --repeat --quiet
for sub in dead redrive prune; do
    check_page "webhooks-receiver-$sub.1" "webhooks-receiver-$sub" --db
done
# Every page the task wrote was checked.
pages=$(find "$dist/man" -name '*.1' | wc -l)
if [ "$pages" -eq 7 ]; then pass "man: 7 pages written"; else fail "man: 7 pages written (found $pages)"; fi

echo "cli dist: $passed passed, $failed failed"
test "$failed" -eq 0
