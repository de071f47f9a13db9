#!/usr/bin/env bash
# Commit the publisher's ledger back to the branch, so the next run (and the next build's plan) knows what
# went out. Only the ledgers are committed; "[skip ci]" keeps the commit from starting the workflows again.
#   SITE           the site folder (default: .); in a workspace, its folder: every site's ledger is committed
#   LEDGER         the ledger file (default: each site's [publish] ledger, .smmgen/ledger.json)
#   BRANCH         the branch to push to (default: GITHUB_REF_NAME, else the current branch)
#   GITHUB_TOKEN   when set, used for the push (given to git through its environment, never on a command line)
set -euo pipefail
site="${SITE:-.}"
branch="${BRANCH:-${GITHUB_REF_NAME:-$(git rev-parse --abbrev-ref HEAD)}}"

# Every site's ledger (`smmgen sites`: a site whose smmgen.toml does not load has the default one); when smmgen
# cannot list them (not installed, or the workspace's smmgen.toml broken: nothing was published), the default.
if [ -n "${LEDGER:-}" ]; then
  listed="$LEDGER"
else
  listed="$(smmgen sites --site "$site" --paths ledger 2>/dev/null || echo "$site/.smmgen/ledger.json")"
fi
ledgers=()
while IFS= read -r ledger; do
  if [ -f "$ledger" ]; then
    ledgers+=("$ledger")
  else
    echo "commit-ledger: no ledger at $ledger: nothing to commit"
  fi
done <<<"$listed"
if [ "${#ledgers[@]}" -eq 0 ]; then
  exit 0
fi
git add -- "${ledgers[@]}"
if git diff --cached --quiet -- "${ledgers[@]}"; then
  echo "commit-ledger: ${ledgers[*]} unchanged"
  exit 0
fi

if [ -n "${GITHUB_TOKEN:-}" ]; then
  server="${GITHUB_SERVER_URL:-https://github.com}"
  export GIT_CONFIG_COUNT=1
  export GIT_CONFIG_KEY_0="http.$server/.extraheader"
  GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$GITHUB_TOKEN" | base64 | tr -d '\n')"
  export GIT_CONFIG_VALUE_0
fi

# The commit is the workflow's, whoever configured git on the runner.
export GIT_AUTHOR_NAME="github-actions[bot]" GIT_COMMITTER_NAME="github-actions[bot]"
export GIT_AUTHOR_EMAIL="41898282+github-actions[bot]@users.noreply.github.com"
export GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
git commit --quiet -m "smmgen: record published posts in the ledger [skip ci]" -- "${ledgers[@]}"

# Another commit may land on the branch meanwhile: rebase onto it and try again.
for attempt in 1 2 3; do
  if git push --quiet origin "HEAD:refs/heads/$branch"; then
    echo "commit-ledger: pushed $(git rev-parse --short HEAD) to $branch"
    exit 0
  fi
  echo "commit-ledger: push rejected (attempt $attempt); rebasing onto origin/$branch"
  git pull --quiet --rebase origin "$branch"
done
echo "commit-ledger: could not push the ledger to $branch" >&2
exit 1
