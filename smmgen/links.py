"""Links back to the article: the canonical URL and per-platform UTM tagging.

UTM parameters are added deterministically (fixed order), never twice, and only to the site's own links: a
foreign URL in a post is left exactly as the author wrote it.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")


def canonical_url(site, *, slug: str, date: dt.datetime, section: str | None = None, lang: str = "") -> str:
    path = site.permalink.format(year=f"{date.year:04d}", month=f"{date.month:02d}", day=f"{date.day:02d}",
                                 slug=slug, section=_path_part(section or ""), lang=lang)
    path = "/" + "/".join(p for p in path.split("/") if p) + ("/" if path.endswith("/") else "")
    return site.base_url + path


def _path_part(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def is_own(url: str, site) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    own = {(urlsplit(site.base_url).hostname or "").lower(), *(h.lower() for h in site.utm.hosts)}
    return host in own


def with_utm(url: str, *, platform: str, slug: str, site) -> str:
    """``url`` with the site's UTM policy applied for ``platform``; foreign and already-tagged URLs unchanged."""
    policy = site.utm
    if not policy.enabled or not is_own(url, site):
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(k in UTM_KEYS for k, _ in query):
        return url          # already tagged by the author: never tag twice
    values = {"platform": platform, "slug": slug}
    params = [("utm_source", policy.source), ("utm_medium", policy.medium), ("utm_campaign", policy.campaign)]
    if policy.content:
        params.append(("utm_content", policy.content))
    query += [(k, v.format(**values)) for k, v in params]
    return urlunsplit(parts._replace(query=urlencode(query)))
