# Installs pinned tools once, into a folder of the build directory, and again only when the pins
# or the interpreter change (the folder records what it holds in `.installed`). Sourced by the
# check scripts.

# pinned_venv DIR REQUIREMENTS LABEL: a Python virtual environment in DIR with the packages of
# REQUIREMENTS (pinned with ==).
pinned_venv() {
    local dir=$1 requirements=$2 label=$3
    local want
    want="$(python3 --version 2>&1) $(sha256sum <"$requirements")"
    if [ ! -x "$dir/bin/python" ] || [ "$(cat "$dir/.installed" 2>/dev/null)" != "$want" ]; then
        echo "$label: installing the Python packages into $dir"
        rm -rf "$dir"
        python3 -m venv "$dir"
        "$dir/bin/pip" install --quiet --disable-pip-version-check --require-virtualenv \
            -r "$requirements"
        printf '%s' "$want" >"$dir/.installed"
    fi
}

# pinned_node DIR SRC LABEL: `npm ci` in DIR from SRC's package.json and package-lock.json.
pinned_node() {
    local dir=$1 src=$2 label=$3
    local want
    want="$(node --version) $(cat "$src/package.json" "$src/package-lock.json" | sha256sum)"
    if [ ! -d "$dir/node_modules" ] || [ "$(cat "$dir/.installed" 2>/dev/null)" != "$want" ]; then
        echo "$label: installing the Node packages into $dir"
        rm -rf "$dir"
        mkdir -p "$dir"
        cp "$src/package.json" "$src/package-lock.json" "$dir/"
        (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
        printf '%s' "$want" >"$dir/.installed"
    fi
}
