#!/usr/bin/env bash
# Installs what the real-PDS tests need: Node.js + npm (Debian's, only if missing), a C++ toolchain for
# better-sqlite3, and tests/pds/node_modules from the pinned package-lock.json.
# Idempotent: a second run with an unchanged lock file and Node.js does nothing but print one line.
# Runs as root with no terminal (CI); prints one short summary line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/npm.sh
. "$here/../lib/npm.sh"

ensure_node

# better-sqlite3 compiles from source: node-gyp needs python3, make and a C++ compiler.
missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
fi

node_version="$(node -p 'process.versions.node')"

# node-gyp must compile against headers already on disk: fetching them from the Node.js site is impossible
# here. They live in <prefix>/include/node (the nodejs package itself, or Debian's libnode-dev).
headers_version() {
    local h="$1/include/node/node_version.h"
    [ -f "$h" ] || return 0
    awk '/define NODE_(MAJOR|MINOR|PATCH)_VERSION /{v = v (v ? "." : "") $3} END {print v}' "$h"
}
node_prefix="$(node -p 'process.config.variables.node_prefix || "/usr"')"
if [ "$(headers_version "$node_prefix")" != "$node_version" ] && [ "$(headers_version /usr)" != "$node_version" ]; then
    apt_install libnode-dev
fi
if [ "$(headers_version "$node_prefix")" = "$node_version" ]; then
    export npm_config_nodedir="$node_prefix"
elif [ "$(headers_version /usr)" = "$node_version" ]; then
    export npm_config_nodedir=/usr
else
    echo "tests/pds/install.sh: no Node.js $node_version headers under $node_prefix/include/node or /usr/include/node" >&2
    exit 1
fi

# The native module is tied to the Node.js ABI, so the stamp covers the Node.js version as well as the lock.
want="$( { sha256sum "$here/package-lock.json" | cut -d' ' -f1; echo "node $node_version"; } | sha256sum | cut -d' ' -f1)"
# The prebuilt better-sqlite3 binaries live on a host that cannot be reached: build from source at once
# instead of waiting for the download to fail.
export npm_config_build_from_source=true
export npm_config_update_notifier=false
npm_ci "$here" "$want" tests/pds/install.sh "the Bluesky server"
summary tests/pds "$node_version"
