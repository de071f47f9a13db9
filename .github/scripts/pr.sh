#!/usr/bin/env bash
# Pull request: check the site, build it, and write the job summary: the preview summary and what merging
# will do to the social accounts (the base commit's manifest against this one's).
#   SITE                  the site folder (default: .)
#   BASE_SHA              the commit to compare with (default: HEAD^1, the base side of a PR merge commit)
#   GITHUB_STEP_SUMMARY   where the summary goes (default: standard output)
set -euo pipefail
site="${SITE:-.}"
summary="${GITHUB_STEP_SUMMARY:-/dev/stdout}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

manifest_path() {
  python -c 'import sys; from smmgen.config import load_site; print(load_site(sys.argv[1]).output_dir / "manifest.json")' "$1"
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
head_manifest="$(manifest_path "$site")"

# The base is built by this commit's smmgen from the base commit's files, so the diff shows what the merge
# changes, code and content alike.
base_manifest="$work/none/manifest.json"
note=""
base="${BASE_SHA:-}"
if [ -z "$base" ]; then
  base="$(git rev-parse --verify --quiet 'HEAD^1' || true)"
fi
if [ -n "$base" ] && git cat-file -e "$base^{commit}" 2>/dev/null; then
  top="$(git rev-parse --show-toplevel)"
  rel="$(realpath --relative-to="$top" "$site")"
  mkdir -p "$work/base"
  git -C "$top" archive --format=tar "$base" | tar -x -C "$work/base"
  if [ -f "$work/base/$rel/smmgen.toml" ]; then
    # Card files are named by the hash of what they show: this build's serve the base build wherever the base
    # shows the same, so it draws only what differs (linked where the file system allows, else copied).
    head_cards="$(dirname "$head_manifest")/cards"
    if base_out="$(manifest_path "$work/base/$rel" 2>/dev/null)" && [ -d "$head_cards" ]; then
      base_cards="$(dirname "$base_out")/cards"
      mkdir -p "$base_cards"
      cp -lR "$head_cards/." "$base_cards/" 2>/dev/null || cp -R "$head_cards/." "$base_cards/" 2>/dev/null || true
    fi
    if smmgen build --site "$work/base/$rel" >"$work/base-build.log" 2>&1; then
      base_manifest="$(manifest_path "$work/base/$rel")"
    else
      note="The base commit's site does not build; every post is shown as new."
    fi
  fi
else
  note="The base commit is not available (fetch it, e.g. with fetch-depth: 0); every post is shown as new."
fi

{
  smmgen preview --summary --site "$site"
  echo
  if [ -n "$note" ]; then
    echo "> $note"
    echo
  fi
  smmgen diff "$base_manifest" "$head_manifest"
} >>"$summary"
