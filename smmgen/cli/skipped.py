"""What ``check`` says about files that are no articles and front-matter keys smmgen does not use."""

from __future__ import annotations

import difflib

from smmgen.content.discovery import DRAFTS, counts, describe
from smmgen.content.front_matter_schema import GENERATOR_KEYS, front_matter_schema


def skipped_line(result) -> str | None:
    """``"smmgen: skipped 30 section pages, 4 drafts"`` for a ``BuildResult``, or None when nothing was."""
    tally = counts([reason for _, reason in result.skipped] + [DRAFTS] * len(result.drafts))
    return f"smmgen: skipped {describe(tally)}" if tally else None


def skipped_files_report(result) -> list[str]:
    """Every skipped file with its reason, drafts among them, in path order."""
    files = sorted([*result.skipped, *((a.source, DRAFTS) for a in result.drafts)])
    return [f"  {source}: {reason}" for source, reason in files]


def ignored_keys_report(result) -> list[str]:
    """Every front-matter key the articles (drafts too) use that smmgen ignores, once, with how many articles
    use it; a key that looks like a misspelling of one of smmgen's own is named with the key it resembles."""
    uses: dict[str, int] = {}
    for article in (*result.articles, *result.drafts):
        for key in article.ignored_keys:
            uses[key] = uses.get(key, 0) + 1
    if not uses:
        return ["smmgen: no front-matter keys ignored"]
    own = sorted(set(front_matter_schema(result.site)) - GENERATOR_KEYS - set(result.site.extra_front_matter))
    width = max(len(key) for key in uses)
    lines = [f"smmgen: {len(uses)} front-matter key(s) ignored (smmgen does not use them; [site] strict = true "
             "makes them errors):"]
    for key in sorted(uses, key=lambda k: (-uses[k], k)):
        near = difflib.get_close_matches(key, own, n=1, cutoff=0.8)
        lines.append(f"  {key:<{width}}  {uses[key]} article{'s' * (uses[key] != 1)}"
                     + (f" (did you mean {near[0]}?)" if near else ""))
    return lines
