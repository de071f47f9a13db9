#!/usr/bin/env bash
# Publish: build the manifest, then post every due entry and delete every expired one. Platform credentials
# come from the environment (repository secrets); nothing here prints them.
#   SITE   the site folder (default: .); in a workspace, its folder (every site) or one site's
# In a workspace each site is built and published in turn: a site whose build fails is not published, and
# the others still are; the step fails if any site failed.
set -euo pipefail
site="${SITE:-.}"
sites="$(smmgen sites --site "$site")"
status=0
while IFS= read -r one; do
  if smmgen build --site "$one"; then
    smmgen publish --site "$one" || status=1
  else
    status=1
  fi
done <<<"$sites"
exit "$status"
