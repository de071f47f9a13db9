"""Helpers for the platform tests: a site with all nine platforms, articles from strings, one cut rendered."""

from __future__ import annotations

import textwrap
from pathlib import Path

from smmgen.build.templates import Layouts
from smmgen.config.site import Site, load_site
from smmgen.content.article import Article
from smmgen.content.reading import load_article
from smmgen.platforms import Cut, CutContext, registry

PLATFORMS = ("x", "mastodon", "bluesky", "threads", "facebook", "instagram", "linkedin", "telegram", "vk")

# A real top-level domain, so X and the other URL finders see the link back as a URL.
BASE_CONFIG = """\
[site]
name = "Test Desk"
base_url = "https://news.example.com"
timezone = "UTC"
"""


def write_site(root: Path, platform_config: dict[str, str] | None = None, *,
               only: tuple[str, ...] = PLATFORMS, extra: str = "") -> Site:
    """A site folder at ``root`` with ``only`` these platforms enabled; ``platform_config`` adds keys."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "content").mkdir(exist_ok=True)
    tables = []
    for name in only:
        body = textwrap.dedent((platform_config or {}).get(name, "")).strip()
        tables.append(f"[platforms.{name}]\n{body}\n")
    (root / "smmgen.toml").write_text(BASE_CONFIG + "\n" + "\n".join(tables) + extra, encoding="utf-8")
    return load_site(root)


def write_article(site: Site, text: str, name: str = "story.md") -> Article:
    path = site.content_dir / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return load_article(path, site)


def render(site: Site, article: Article, platform: str) -> Cut:
    ctx = CutContext(site=site, settings=site.platform(platform), layouts=Layouts(site.layouts_dir))
    return registry.get(platform).render(article, ctx)


def article_text(title: str = "Council approves the new tram line", summary: str | None = None,
                 body: str = "", tags: tuple[str, ...] = ("transport", "city"), social: str = "",
                 more: str = "") -> str:
    """Front matter and body for an article (YAML front matter)."""
    lines = ["---", f"title: {_yaml(title)}", "date: 2026-11-20T09:00:00+01:00"]
    if summary is not None:
        lines.append(f"summary: {_yaml(summary)}")
    lines.append("tags: [" + ", ".join(_yaml(t) for t in tags) + "]")
    if more:
        lines.append(textwrap.dedent(more).strip())
    if social:
        lines.append("social:")
        lines += ["  " + line for line in textwrap.dedent(social).strip().splitlines()]
    lines += ["---", "", body]
    return "\n".join(lines) + "\n"


def _yaml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


LONG_BODY_PARAGRAPHS = (
    ('The city council voted on Tuesday to build a new tram line linking the northern estates with '
     'the harbour, ending a decade of argument over the route.'),
    ('Construction starts next spring and the line should open in 2029. The council expects 40,000 '
     'passengers a day once the line is complete, and says buses on three routes will be cut back.'),
    ('Opponents said the cost, now estimated at 310 million euros, had doubled since the first plans '
     'were drawn up, and that the money would be better spent on the existing network.'),
    ('Residents along the route will be consulted on the stop locations in January. Details are on '
     "the council's site: https://council.example.com/transport/tram/north-line/consultation-2027"),
)
LONG_BODY = "\n\n".join(LONG_BODY_PARAGRAPHS)
