#!/usr/bin/env bash
# Pull request: check the site, build it, and write the job summary: the preview summary and what merging
# will do to the social accounts (the base commit's manifest against this one's).
#   SITE                  the site folder (default: .); in a workspace, its folder (every site) or one site's
#   BASE_SHA              the commit to compare with (default: HEAD^1, the base side of a PR merge commit)
#   GITHUB_STEP_SUMMARY   where the summary goes (default: standard output)
#   PR_ARTIFACT           the folder (replaced) that gets the preview of what the pull request changes, laid out
#                         as the repository: each site's output/ with the pages and cards of its changed posts
#                         (default: smmgen-pr-preview)
set -euo pipefail
site="${SITE:-.}"
summary="${GITHUB_STEP_SUMMARY:-/dev/stdout}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

manifest_path() {
  python -c 'import sys; from smmgen.config.site import load_site; print(load_site(sys.argv[1]).output_dir.resolve() / "manifest.json")' "$1"
}

# Errors go to the log (with annotations, which smmgen writes itself under GitHub Actions) and to the summary.
status=0
smmgen check --site "$site" 2>"$work/check.err" || status=$?
cat "$work/check.err" >&2
if [ "$status" -ne 0 ]; then
  {
    echo "## smmgen check failed"
    echo
    echo '```text'
    cat "$work/check.err"
    echo '```'
  } >>"$summary"
  exit "$status"
fi

smmgen build --site "$site"
sites="$(smmgen sites --site "$site")"

# The base is built by this commit's smmgen from the base commit's files, so the diff shows what the merge
# changes, code and content alike; `smmgen diff` builds a revision in a temporary folder, drawing only the cards
# the head's build does not already have.
base="${BASE_SHA:-}"
if [ -z "$base" ]; then
  base="$(git rev-parse --verify --quiet 'HEAD^1' || true)"
fi
if [ -n "$base" ] && ! git cat-file -e "$base^{commit}" 2>/dev/null; then
  base=""
fi

# The preview artifact: only what the pull request changes (a large site's whole preview is gigabytes of cards).
artifact="$(pwd)/${PR_ARTIFACT:-smmgen-pr-preview}"
rm -rf "$artifact"
mkdir -p "$artifact"
artifact_for() {
  # Where a site's output folder goes in the artifact: its place in the repository.
  local out rel
  out="$(dirname "$1")"
  rel="$(python -c 'import os, sys; print(os.path.relpath(sys.argv[1]))' "$out")"
  case "$rel" in ../*|..) rel="$(basename "$out")" ;; esac
  echo "$artifact/$rel"
}

# One section per site: its preview summary, then what the merge does to its accounts. Each site's commands
# run in its folder; a workspace's sites get a heading each.
while IFS= read -r one; do
  head_manifest="$(manifest_path "$one")"
  into="$(artifact_for "$head_manifest")"
  note=""
  if [ -z "$base" ]; then
    note="The base commit is not available (fetch it, e.g. with fetch-depth: 0); every post is shown as new."
    (cd "$one" && smmgen diff --no-base "$head_manifest" --artifact "$into") >"$work/diff.md"
  elif ! (cd "$one" && smmgen diff "$base" "$head_manifest" --artifact "$into") >"$work/diff.md" \
      2>"$work/base-build.log"; then
    note="The base commit's site does not build; every post is shown as new."
    rm -rf "$into"
    (cd "$one" && smmgen diff --no-base "$head_manifest" --artifact "$into") >"$work/diff.md"
  fi
  {
    if [ "$one" != "$site" ]; then
      echo "## $one"
      echo
    fi
    (cd "$one" && smmgen preview --summary)
    echo
    if [ -n "$note" ]; then
      echo "> $note"
      echo
    fi
    cat "$work/diff.md"
  } >>"$summary"
done <<<"$sites"

# A workspace's combined index, which links every site's preview.
combined="$site/output/index.html"
if [ "$sites" != "$site" ] && [ -f "$combined" ]; then
  into="$artifact/$(python -c 'import os, sys; print(os.path.relpath(sys.argv[1]))' "$combined")"
  mkdir -p "$(dirname "$into")"
  cp "$combined" "$into"
fi
