#!/usr/bin/env bash
# Publish: build the manifest, then post every due entry and delete every expired one. Platform credentials
# come from the environment (repository secrets); nothing here prints them.
#   SITE   the site folder (default: .)
set -euo pipefail
site="${SITE:-.}"
smmgen build --site "$site"
smmgen publish --site "$site"
