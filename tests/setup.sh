#!/usr/bin/env bash
# Installs everything the test suite needs, on a fresh machine, without a prompt:
# the package with its test extras, Debian's Chromium (browser tests), and the Node packages of the real
# Bluesky server and the workflow linter. Safe to run again: each step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "setup: installing smmgen with its test extras (pip)"
python -m pip install --quiet --disable-pip-version-check -e '.[test]'

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing ${missing[*]} (apt-get, a few minutes)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: installed ${missing[*]}"
}
apt_install chromium fonts-noto-color-emoji fonts-noto-cjk

for installer in tests/pds/install.sh tests/actions/install.sh; do
  [ -f "$installer" ] && bash "$installer"
done
echo "setup: ready"
