"""One list of warnings: `smmgen build`, `smmgen check` and `smmgen preview --summary` report the same warnings
and the same count, from the build's own list (``BuildResult.warnings``)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from smmgen.build.pipeline import build
from smmgen.cli.main import main
from smmgen.config.site import load_site
from smmgen.preview.summary import md_escape

KNOWN = ("content/expiring.md", "x", "social.x.text has no link to the article")
TELEGRAM = ("content/expiring.md", "telegram", "expires 72 h after it is posted, but Telegram bots cannot delete "
            "messages older than 48 h (leave 30 min for the publish schedule); the post would stay up")


def run(site: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--site", str(site)], catch_exceptions=False)


def from_build(site: Path) -> tuple[int, list[tuple[str, str, str]]]:
    out = run(site, "build", "--workers", "1")
    assert out.exit_code == 0, out.output
    count = int(re.search(r"^  warnings  (\d+)$", out.output, re.M).group(1))
    listed = [line.strip() for line in out.output.splitlines() if line.startswith("    ") and ": warning: " in line]
    return count, [_split(line) for line in listed]


def from_check(site: Path) -> tuple[int, list[tuple[str, str, str]]]:
    out = run(site, "check")
    assert out.exit_code == 0, out.output
    found = re.search(r"all within their limits(?:, (\d+) warning\(s\))?$", out.output, re.M)
    listed = [line for line in out.output.splitlines() if ": warning: " in line]
    return int(found.group(1) or 0), [_split(line) for line in listed]


def from_summary(site: Path, platforms: list[str]) -> tuple[int, int, list[tuple[str, str, str]]]:
    out = run(site, "preview", "--summary")
    assert out.exit_code == 0, out.output
    posts, count = re.search(r"(\d+) with warnings, \d+ with errors; (\d+) warning\(s\)\.", out.output).groups()
    listed = []
    for row in out.output.splitlines():
        if not row.startswith("| ") or row.startswith("| Article"):
            continue
        cells = row.strip("| ").split(" | ")
        source = cells[0].split("<br>")[1]
        for platform, cell in zip(platforms, cells[1:]):
            listed += [(source, platform, w) for w in cell.split("<br>⚠️ ")[1:]]
    return int(posts), int(count), listed


def _split(line: str) -> tuple[str, str, str]:
    source, rest = line.split(": warning: ", 1)
    platform, message = rest.split(": ", 1)
    return source, platform, message


def assert_one_list(site: Path) -> list[tuple[str, str, str]]:
    """Every command reports the build's warnings, all of them, and counts them the same."""
    result = build(load_site(site), render_images=False)
    expected = sorted((w.source, w.platform, w.message) for w in result.warnings)
    platforms = [p.name for p in result.site.platforms]
    check_count, checked = from_check(site)
    posts, summary_count, summarized = from_summary(site, platforms)
    build_count, built = from_build(site)
    assert build_count == check_count == summary_count == len(expected)
    assert sorted(checked) == expected
    assert set(built) <= set(expected) and len(built) == min(10, len(expected))     # build lists ten at most
    assert sorted(summarized) == sorted((s, p, md_escape(m)) for s, p, m in expected)
    assert posts == len({(s, p) for s, p, _ in expected})
    # The cache a build leaves does not change what check finds.
    assert from_check(site) == (check_count, checked)
    return expected


def test_a_site_with_known_warnings_reports_them_the_same_everywhere(make_site):
    make_site.config("""\
        [site]
        name = "Test Desk"
        base_url = "https://news.example"
        timezone = "Europe/Berlin"

        [platforms.mastodon]
        handle = "@desk@social.example"

        [platforms.x]
        handle = "@desk"

        [platforms.telegram]
        handle = "@desk"
        """)
    make_site.article("expiring.md", """
        ---
        title: Road works on the bridge
        date: 2026-11-20T09:00:00+01:00
        social:
          expire_after: 72h
          x:
            text: "The bridge closes for a week of road works."
        ---
        The bridge closes on Monday.
        """)
    make_site.article("calm.md", "---\ntitle: Calm weekend ahead\ndate: 2026-11-21T09:00:00+01:00\n---\nSun.\n")
    assert assert_one_list(make_site.root) == sorted([KNOWN, TELEGRAM])


def on_purpose(site: Path, source: str) -> set[str]:
    """The platforms an article says, in a front-matter comment, it warns on on purpose:
    ``# warns on purpose (x, linkedin): why``."""
    text = (site / source).read_text(encoding="utf-8")
    front = text.split("\n---", 1)[0] if text.startswith("---") else text.split("\n+++", 1)[0]
    return {p.strip() for m in re.findall(r"#\s*warns on purpose \(([^)]*)\)", front) for p in m.split(",")}


def test_the_sample_site_warns_only_where_an_article_says_it_means_to(sample_site):
    warned = assert_one_list(sample_site)
    accidental = [(source, platform, message) for source, platform, message in warned
                  if platform not in on_purpose(sample_site, source)]
    assert accidental == [], ("fix these sample articles, or say in their front matter that they show the warning "
                              "on purpose: '# warns on purpose (<platform>): why'")
