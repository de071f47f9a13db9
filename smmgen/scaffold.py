"""``smmgen new``: a new article with every front-matter field in place, like ``hugo new``."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path

from .config import Site
from .errors import SmmgenError


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")


def new_article(site: Site, title: str, *, slug: str | None = None, tags=(), lang: str | None = None,
                now: dt.datetime | None = None) -> Path:
    now = (now or dt.datetime.now(site.timezone)).astimezone(site.timezone).replace(microsecond=0)
    slug = slug or slugify(title) or f"article-{now:%Y%m%d-%H%M}"
    path = site.content_dir / f"{now:%Y}" / f"{now:%Y-%m-%d}-{slug}.md"
    if path.exists():
        raise SmmgenError(f"{site.rel(path)} already exists; choose another --slug")
    q = lambda s: json.dumps(s, ensure_ascii=False)  # noqa: E731 - JSON strings are valid YAML scalars
    text = f"""---
title: {q(title)}
date: {now.isoformat()}
slug: {slug}
summary: ""
tags: [{", ".join(q(t) for t in tags)}]
{f"lang: {lang}" + chr(10) if lang else ""}draft: true
# image: images/{slug}.jpg
# image_alt: ""
# image_focus: [0.5, 0.4]
social:
  # platforms: [x, mastodon, bluesky]
  # publish_at: {now.isoformat()}
  # expire_after: 48h
  # x:
  #   text: "Written by hand for X"
---

Write the article here.
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
