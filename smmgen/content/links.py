"""Links back to the article: the canonical URL and per-platform UTM tagging.

``article_url`` is the URL the site's generator publishes an article at: the file's place under the content
root gives Hugo's sections, page bundles and translations (``name.ja.md``, a language's content folder) or
Jekyll's collections and categories; ``smmgen.content.permalinks`` expands the rule that applies.

UTM parameters are added deterministically (fixed order), never twice, and only to the site's own links: a
foreign URL in a post is left exactly as the author wrote it.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from smmgen.content.permalinks import JEKYLL_COLLECTION_DEFAULT, Page, expand, finish, hugo_path, rule_for

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")


def canonical_url(site, *, slug: str, date: dt.datetime, section: str | None = None, lang: str = "") -> str:
    """The URL ``site.permalink`` gives (smmgen's own ``{name}`` placeholders)."""
    page = Page(slug=slug, slug_set=None, title=slug, date=date, filename=slug, sections=(), path=slug,
                categories=(), lang=lang, kicker=section or "")
    return site.base_url + expand(site.permalink, page, generator=None, timezone=site.timezone)


def language_of(path: Path, site, front_matter_lang: str | None) -> str:
    """The article's language. With a generator, as it decides: a configured language's file-name suffix
    (``hello.ja.md``), then the language whose content folder holds the file (``content/ja/``); then ``lang:``;
    then the site's language."""
    if site.generator:
        suffix = lang_suffix(path, site)
        if suffix:
            return suffix
        for lang, conf in site.languages.items():
            if conf.content_dir is not None and _below(path, conf.content_dir):
                return lang
    return front_matter_lang or site.language


def lang_suffix(path: Path, site) -> str | None:
    stem = path.stem
    if "." not in stem:
        return None
    suffix = stem.rsplit(".", 1)[1]
    known = {site.language.lower(): site.language, **{k.lower(): k for k in site.languages}}
    return known.get(suffix.lower())


def _below(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.abspath(path)).relative_to(os.path.abspath(folder))
        return True
    except ValueError:
        return False


def article_url(site, path: Path, *, slug: str, slug_set: str | None, title: str, date: dt.datetime, lang: str,
                kicker: str, categories: tuple[str, ...] = (), own_permalink: str | None = None) -> str:
    """The URL the site's generator publishes the article at (``site.generator`` None: smmgen's permalink)."""
    if not site.generator:
        return canonical_url(site, slug=slug, date=date, section=kicker, lang=lang)
    language = site.language_of(lang)
    root = language.content_dir if language.content_dir is not None and _below(path, language.content_dir) \
        else site.source_dir if _below(path, site.source_dir) else site.content_dir
    parts = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).parts
    folders, name = list(parts[:-1]), path.name.rsplit(".", 1)[0]
    if lang_suffix(path, site):
        name = name.rsplit(".", 1)[0]
    if site.generator == "hugo":
        return _hugo_url(site, folders, name, slug=slug, slug_set=slug_set, title=title, date=date, lang=lang,
                         kicker=kicker, prefix=language.prefix)
    return _jekyll_url(site, folders, name, slug=slug, slug_set=slug_set, title=title, date=date, lang=lang,
                       kicker=kicker, categories=categories, own_permalink=own_permalink, prefix=language.prefix)


def _hugo_url(site, folders: list[str], name: str, *, slug: str, slug_set: str | None, title: str,
              date: dt.datetime, lang: str, kicker: str, prefix: str) -> str:
    if name == "_index":                          # a section's own page: the folder's URL
        path = "/" + "/".join(hugo_path(f) for f in folders) + "/"
        return site.base_url + finish(path, generator="hugo", lowercase=site.lowercase_urls, prefix=prefix)
    if name == "index" and folders:               # a page bundle: the folder names the page
        name = folders.pop()
    page = Page(slug=slug, slug_set=slug_set, title=title, date=date, filename=name, sections=tuple(folders),
                path="/".join([*folders, name]), categories=(), lang=lang, kicker=kicker)
    # Hugo's own rule without one: the file's folders, then the slug or the file's name.
    pattern = rule_for(page.sections, site.permalinks) or \
        "/" + "/".join(hugo_path(f) for f in folders) + "/:slugorfilename/"
    path = expand(pattern, page, generator="hugo", timezone=site.timezone)
    return site.base_url + finish(path, generator="hugo", lowercase=site.lowercase_urls, prefix=prefix)


_POST_NAME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-(.+)$")


def _jekyll_url(site, folders: list[str], name: str, *, slug: str, slug_set: str | None, title: str,
                date: dt.datetime, lang: str, kicker: str, categories: tuple[str, ...],
                own_permalink: str | None, prefix: str) -> str:
    if "_posts" in folders:
        at = folders.index("_posts")
        # Folders above _posts are categories too (news/_posts/x.md), before the front matter's.
        categories = (*folders[:at], *categories)
        collection, inside = "posts", folders[at + 1:]
        match = _POST_NAME.match(name)
        name = match[2] if match else name
    elif folders and folders[0].startswith("_"):
        collection, inside = folders[0][1:], folders[1:]
    else:
        collection, inside = "posts", folders
    page = Page(slug=slug, slug_set=slug_set, title=title, date=date, filename=name, sections=(collection,),
                path="/" + "/".join([*inside, name]), categories=categories, lang=lang, kicker=kicker)
    pattern = own_permalink or rule_for(page.sections, site.permalinks) or \
        (site.permalink if collection == "posts" else JEKYLL_COLLECTION_DEFAULT)
    path = expand(pattern, page, generator="jekyll", timezone=site.timezone)
    return site.base_url + finish(path, generator="jekyll", lowercase=False, prefix=prefix)


def is_own(url: str, site) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in _own_hosts(site.base_url, tuple(site.utm.hosts))


@functools.lru_cache(maxsize=16)        # asked for every cut of every article: a site has one answer
def _own_hosts(base_url: str, hosts: tuple[str, ...]) -> frozenset[str]:
    return frozenset({(urlsplit(base_url).hostname or "").lower(), *(h.lower() for h in hosts)})


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
    # ``urlencode(query)``, a pair at a time: the tags' pairs are the same for many links.
    encoded = "&".join(_encoded(k, v) for k, v in query) \
        if all(type(k) is str and type(v) is str for k, v in query) else urlencode(query)
    return urlunsplit(parts._replace(query=encoded))


@functools.lru_cache(maxsize=1024)
def _encoded(key: str, value: str) -> str:
    return urlencode(((key, value),))
