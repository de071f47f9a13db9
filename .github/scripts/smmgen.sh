#!/usr/bin/env bash
# The action's entry point: runs one of its commands for the site in $SITE.
#   check           smmgen check (errors become ::error file=,line=:: annotations)
#   build           smmgen build
#   pr              check, build, and the job summary: preview summary plus what the merge changes (pr.sh)
#   publish         build, then post due entries and delete expired ones (publish.sh)
#   commit-ledger   commit the publisher's ledger back to the branch (commit-ledger.sh)
#   doctor          smmgen doctor: every account's credentials checked with a read (never a post)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
site="${SITE:-.}"

case "${COMMAND:-}" in
  check|build) exec smmgen "$COMMAND" --site "$site" ;;
  pr) exec bash "$here/pr.sh" ;;
  publish) exec bash "$here/publish.sh" ;;
  commit-ledger) exec bash "$here/commit-ledger.sh" ;;
  doctor) exec smmgen doctor --site "$site" ;;
  *)
    echo "::error::unknown command '${COMMAND:-}' (expected check, build, pr, publish, commit-ledger or doctor)"
    exit 2
    ;;
esac
