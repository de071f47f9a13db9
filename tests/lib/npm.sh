# Shared by the installers of the Node.js test tools (tests/pds/install.sh, tests/actions/install.sh); sourced,
# not run. Installs Debian packages only when missing and runs `npm ci` only when the stamp is out of date.
# Runs as root with no terminal (CI).

export DEBIAN_FRONTEND=noninteractive
did=()            # what was installed, for the one-line summary

apt_updated=0
apt_install() {
    echo "setup: installing $* (apt-get)"
    if [ "$apt_updated" = 0 ]; then
        apt-get update -qq >/dev/null
        apt_updated=1
    fi
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    did+=("apt:$*")
}

# Node.js and npm: the machine image usually ships them; Debian's are installed only when they are missing.
ensure_node() {
    command -v node >/dev/null 2>&1 || apt_install nodejs
    command -v npm >/dev/null 2>&1 || apt_install npm
}

# npm_ci DIR WANT LABEL PURPOSE: `npm ci` in DIR unless its stamp already holds WANT (a digest of what the install
# depends on); sets npm_action for the summary. PURPOSE says what the packages are for, in the line printed before
# the install starts (it takes a minute or more, with no output of its own). Extra npm settings come from the
# caller's environment.
npm_ci() {
    local dir="$1" want="$2" label="$3" purpose="${4:-$3}"
    local stamp="$dir/node_modules/.smmgen-install.sha256"
    if [ "$want" = "$(cat "$stamp" 2>/dev/null || true)" ]; then
        npm_action="node_modules up to date"
        return 0
    fi
    local start=$SECONDS log
    echo "setup: installing Node packages for $purpose (npm ci, ~1 min)"
    log="$(mktemp)"
    if ! (cd "$dir" && npm ci --no-progress --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "$label: npm ci failed" >&2
        exit 1
    fi
    rm -f "$log"
    echo "$want" >"$stamp"
    npm_action="npm ci in $((SECONDS - start))s"
}

# summary LABEL NODE_VERSION: the one line an installer prints.
summary() {
    local line="$1: node $2, $npm_action"
    if [ "${#did[@]}" -gt 0 ]; then
        line="$line, installed ${did[*]}"
    fi
    echo "$line"
}
