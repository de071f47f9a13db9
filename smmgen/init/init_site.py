"""``smmgen init``: a commented smmgen.toml for an existing Hugo or Jekyll site, or a starter site in an empty
folder.

The file written holds only keys smmgen.toml accepts today, each with the place it came from: the generator,
its permalink rules per section as written, its languages with their URL prefixes and folders. What the
generator sets and smmgen has no key for yet (more content folders) is written as a commented-out block saying
so. Before anything is written the text is validated with the config loader's own schema, so ``smmgen check``
never fails because of it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from smmgen.build.integration import DATA_FILES, HEAD_LINES, TEMPLATE_TEXT, TEMPLATES
from smmgen.config.controls import FORBIDDEN
from smmgen.config.site import CONFIG_NAME
from smmgen.errors import SmmgenError
from smmgen.init.generators import HUGO_DIR, HUGO_FILES, JEKYLL_FILES, Findings, detect
from smmgen.init.hugo_config import read_hugo
from smmgen.init.jekyll_config import read_jekyll
from smmgen.output_files import atomic_write
from smmgen.platforms import registry
from smmgen.site_files import inside

GENERATORS = ("hugo", "jekyll")
MAX_SCANNED_ARTICLES = 5000
MAX_EXTRA_KEYS = 200
PLACEHOLDER_URL = "https://example.com"


@dataclass(frozen=True)
class InitReport:
    """What ``init_site`` did, for the CLI to print."""

    kind: str                            # "hugo", "jekyll" or "starter"
    files: tuple[str, ...]               # the generator's configuration files that were read
    found: tuple[tuple[str, str, str], ...]   # (setting, value, where it came from)
    missing: tuple[str, ...]             # what could not be carried over, and why
    written: tuple[str, ...]             # files created, relative to the site
    head_line: str | None = None         # what the site's <head> template needs for the tags (Hugo, Jekyll)


def init_site(root: Path | str, *, generator: str | None = None, force: bool = False,
              today: dt.date | None = None) -> InitReport:
    """Write ``smmgen.toml`` in ``root`` from its Hugo or Jekyll configuration, or a starter site when ``root``
    is empty. Never replaces an existing smmgen.toml unless ``force``."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise SmmgenError(f"{root} is not a folder")
    target = root / CONFIG_NAME
    if (target.exists() or target.is_symlink()) and not force:
        raise SmmgenError(f"{CONFIG_NAME} already exists in {root}; run `smmgen init --force` to replace it")
    if generator is None:
        found = detect(root)
        if len(found) > 1:
            raise SmmgenError("found both Hugo and Jekyll configuration; choose with --generator hugo|jekyll")
        if not found:
            if _visible_entries(root, ignore={CONFIG_NAME}):
                raise SmmgenError(f"no Hugo ({', '.join(HUGO_FILES[:2])}, {HUGO_DIR}/) or Jekyll "
                                  f"({JEKYLL_FILES[0]}) configuration in {root}: run smmgen init in the site's "
                                  "root folder, or in an empty folder for a starter site")
            return _starter(root, today or dt.date.today())
        generator = found[0]
    elif generator not in detect(root):
        names = f"{', '.join(HUGO_FILES[:2])} or {HUGO_DIR}/" if generator == "hugo" else JEKYLL_FILES[0]
        raise SmmgenError(f"--generator {generator}: no {names} in {root}")

    findings = read_hugo(root) if generator == "hugo" else read_jekyll(root)
    extra, undated = _scan_articles(root, findings)
    if undated:
        findings.missing.append(f"date: {len(undated)} article(s) have no `date:` in their front matter, which "
                                f"smmgen needs (e.g. {undated[0]}): `smmgen check` names them all")
    text = render(findings, extra, root.name)
    _write(target, text)
    written = [CONFIG_NAME]
    template = site_side(findings).template
    if _write_template(root, template, TEMPLATE_TEXT[generator], force):
        written.append(template)
    else:
        findings.missing.append(f"{template}: exists and differs from smmgen's; kept (`smmgen init --force` "
                                "replaces it)")
    found = [(f"site.{key}", setting.value, setting.source) for key, setting in findings.site.items()]
    found += [(f"platforms.{name}", acc.handle, where) for name in registry.names()
              if name in findings.accounts for acc, where in [findings.accounts[name]]]
    if extra:
        found.append(("site.extra_front_matter", ", ".join(extra), "the articles' front matter"))
    missing = list(findings.missing)
    if findings.other_content_dirs:
        missing.append(f"content folders: {', '.join(findings.other_content_dirs)} hold articles too; content_dir "
                       "takes one folder (the others are written as a comment)")
    found += [(f"site.permalinks.{section}", rule, f"{generator} permalink rule")
              for section, rule in findings.permalink_rules.items()]
    missing += [f"platforms.{name}: no account found; written disabled" for name in registry.names()
                if name not in findings.accounts]
    # Shown on a terminal: nothing from the generator's files may carry control characters (escape sequences).
    return InitReport(generator, tuple(_comment(f) for f in findings.files),
                      tuple((key, _comment(value), _comment(where)) for key, value, where in found),
                      tuple(_comment(note) for note in missing), tuple(written), HEAD_LINES[generator])


def _visible_entries(root: Path, ignore: set[str]) -> list[str]:
    return [p.name for p in root.iterdir() if not p.name.startswith(".") and p.name not in ignore]


# --- smmgen.toml -----------------------------------------------------------------------------------------------

def toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, except that TOML also refuses a raw DEL."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _comment(text: str) -> str:
    """Text from the generator's files, made safe to stand in a comment: one line, no control characters."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029\x85]", " ", text)[:300]


def _line(key: str, value: str, source: str) -> str:
    assignment = f"{key} = {value}"
    return f"{assignment:<40} # {_comment(source)}"


def render(findings: Findings, extra: list[str], folder_name: str) -> str:
    """The commented smmgen.toml for ``findings``."""
    generator = {"hugo": "Hugo", "jekyll": "Jekyll"}[findings.generator]
    site = findings.site
    out = [f"# smmgen.toml, written by `smmgen init` from the site's {generator} configuration "
           f"({_comment(', '.join(findings.files))}).",
           '# Every key is documented in README.md ("Configuration"). Check the values, then run `smmgen check`.']
    if findings.missing:
        out.append("#\n# Not carried over:")
        for note in findings.missing:
            out += textwrap.wrap(_comment(note), 110, initial_indent="#   - ", subsequent_indent="#     ")
    out += ["", "[site]"]
    if "name" in site:
        out.append(_line("name", toml_string(site["name"].value), site["name"].source))
    else:
        out.append(_line("name", toml_string(folder_name if not FORBIDDEN.search(folder_name) else "My site"),
                         "not found: the folder's name; write the site's name"))
    if "base_url" in site:
        out.append(_line("base_url", toml_string(site["base_url"].value), site["base_url"].source))
    else:
        out.append(_line("base_url", toml_string(PLACEHOLDER_URL), "NOT FOUND: write the site's address"))
    base = site["base_url"].value if "base_url" in site else PLACEHOLDER_URL
    out.append(_line("cards_base_url", toml_string(f"{base}/{CARDS_FOLDER}"),
                     "where [integration] cards_dir is published"))
    for key in ("timezone", "language", "content_dir", "excerpt_separator"):
        if key in site:
            out.append(_line(key, toml_string(site[key].value), site[key].source))
    if "markdown_extensions" in site:
        extensions = ", ".join(toml_string(e) for e in site["markdown_extensions"].value.split(","))
        out.append(_line("markdown_extensions", f"[{extensions}]", site["markdown_extensions"].source))
    out.append(_line("generator", toml_string(findings.generator), "whose permalink rules the URLs follow"))
    if findings.source_dir:
        out.append(_line("source_dir", toml_string(findings.source_dir), f"{generator}'s content folder"))
    if findings.lowercase is False:
        out.append(_line("lowercase_urls", "false", "disablePathToLower"))
    if findings.default_image:
        out.append(_line("default_image", toml_string(findings.default_image), "_config.yml: defaults: image"))
        if findings.default_image_alt:
            out.append(_line("default_image_alt", toml_string(findings.default_image_alt),
                             "_config.yml: defaults: image.alt"))
        else:
            out.append('# default_image_alt = "…"                # not found: describe the default image')
    if findings.include:
        out.append(_line("include", f"[{', '.join(toml_string(g) for g in findings.include)}]",
                         "only the files in Jekyll's _posts folders are posts"))
    if findings.exclude:
        out.append(_line("exclude", f"[{', '.join(toml_string(g) for g in findings.exclude)}]",
                         "_posts folders Jekyll does not read"))
    if extra:
        out.append("# Front-matter keys of the site's articles that smmgen has no use for (ignored):")
        out.append(f"extra_front_matter = [{', '.join(toml_string(k) for k in extra)}]")
    if findings.other_content_dirs:
        out += ["", "# smmgen does not read this yet: more content folders. `content_dir` takes one folder; "
                    "these hold", "# articles too:",
                f"# content_dirs = [{', '.join(toml_string(d) for d in findings.other_content_dirs)}]"]
    if findings.permalink_rules:
        out += ["", f"# The article URLs: {generator}'s permalink rules, as the site's configuration writes them.",
                "[site.permalinks]"]
        out += [f"{toml_string(k)} = {toml_string(v)}" for k, v in findings.permalink_rules.items()]
    for lang, conf in findings.language_settings.items():
        out += ["", f"[site.languages.{toml_string(lang)}]"]
        out += [f"{key} = {toml_string(value)}" for key, value in conf.items()]
    side = site_side(findings)
    out += ["", f"# The site side, kept up to date by `smmgen build`: every article's tags in {side.data_file},",
            f"# which {side.template} puts in a page's <head> (add {HEAD_LINES[findings.generator]} to",
            "# the site's <head> template), and the cards copied to cards_dir, which the site publishes at "
            "cards_base_url.",
            "[integration]",
            _line("generator", toml_string(findings.generator), "the tags go to a data file its templates read"),
            _line("data_file", toml_string(side.data_file), "read by " + side.template),
            _line("cards_dir", toml_string(side.cards_dir), f"{generator} publishes it as it is")]
    out += ["", "# One table per network. Accounts found in the site's configuration are enabled; for the others",
            "# write the handle and delete `enabled = false`. Publisher settings and secrets: README.md, [publish]."]
    for name in registry.names():
        out += ["", f"[platforms.{name}]"]
        if name in findings.accounts:
            acc, where = findings.accounts[name]
            out.append(_line("handle", toml_string(acc.handle), where))
            if acc.instance:
                out.append(_line("instance", toml_string(acc.instance), "the account's server"))
        else:
            out.append(_line("enabled", "false", "no account found in the site's configuration"))
            out.append(f"# handle = {toml_string(_EXAMPLE_HANDLES.get(name, '@example'))}")
    text = "\n".join(out) + "\n"
    return text


CARDS_FOLDER = "social-cards"


@dataclass(frozen=True)
class SiteSide:
    """Where ``[integration]`` puts a Hugo or Jekyll site's tags and cards, and its partial or include."""

    data_file: str
    template: str
    cards_dir: str


def site_side(findings: Findings) -> SiteSide:
    """Hugo: dataDir (data/), layoutDir (layouts/) and staticDir (static/); Jekyll: _data/, _includes/ and the
    site root, all under its `source`."""
    if findings.generator == "hugo":
        data = f"{findings.data_dir}/{DATA_FILES['hugo'].removeprefix('data/')}" if findings.data_dir \
            else DATA_FILES["hugo"]
        template = f"{findings.layout_dir}/{TEMPLATES['hugo'].removeprefix('layouts/')}" if findings.layout_dir \
            else TEMPLATES["hugo"]
        return SiteSide(data, template, f"{findings.static_dir or 'static'}/{CARDS_FOLDER}")
    prefix = f"{findings.source_dir}/" if findings.source_dir else ""
    return SiteSide(prefix + DATA_FILES["jekyll"], prefix + TEMPLATES["jekyll"], prefix + CARDS_FOLDER)


_EXAMPLE_HANDLES = {
    "x": "@example", "mastodon": "@example@mastodon.social", "bluesky": "@example.bsky.social",
    "threads": "@example", "facebook": "ExamplePage", "instagram": "@example", "linkedin": "example-company",
    "telegram": "@example_channel", "vk": "example",
}


def _write(target: Path, text: str) -> None:
    """Write ``text`` beside ``target``, load it with the config loader itself (so a mistake here is smmgen's
    own error, never a smmgen.toml that `smmgen check` refuses), then rename it over ``target``: a replaced
    smmgen.toml that was a symbolic link is replaced as a link, never written through to where it pointed."""
    from smmgen.config.site import load_site

    try:
        fd, tmp = tempfile.mkstemp(prefix=".smmgen-init-", suffix=".toml", dir=target.parent)
    except OSError as e:
        raise SmmgenError(f"cannot write {target.name} in {target.parent}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        try:
            load_site(target.parent, Path(tmp).name)
        except SmmgenError as e:
            raise SmmgenError(f"smmgen init made a {target.name} that does not load, and wrote nothing: "
                              f"{e.message}") from None
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise SmmgenError(f"cannot write {target.name}: {e.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_template(root: Path, relative: str, text: str, force: bool) -> bool:
    """Write the partial or include the site's <head> template calls; False when a different one is there and
    not ``force``. Never written through a link: a folder leading out of the site is refused, a linked file
    is replaced."""
    path = root / relative
    folder = path.parent
    while not folder.exists() and folder != root:
        folder = folder.parent
    if inside(folder, root) is None:
        raise SmmgenError(f"{relative}: {folder.relative_to(root).as_posix()} leads outside the site folder; "
                          "smmgen init writes only inside it")
    try:
        if not path.is_symlink() and path.is_file() and path.read_text(encoding="utf-8") != text and not force:
            return False
        atomic_write(path, text.encode(), durable=False)
    except (OSError, UnicodeDecodeError) as e:
        raise SmmgenError(f"cannot write {relative}: {getattr(e, 'strerror', None) or e}") from None
    return True


# --- the articles' front matter --------------------------------------------------------------------------------

def _scan_articles(root: Path, findings: Findings) -> tuple[list[str], list[str]]:
    """The front-matter keys the site's articles use that smmgen does not know (listed in extra_front_matter, so
    that ``smmgen check`` ignores them instead of failing), and the articles without a date. Articles that cannot
    be read are left to ``smmgen check`` to report."""
    from smmgen.config.site import ContentRules
    from smmgen.content.discovery import discover, skip_by_front_matter
    from smmgen.content.front_matter import parse, read_article_text
    from smmgen.content.front_matter_schema import front_matter_schema

    setting = findings.site.get("content_dir")
    folder = (root / (setting.value if setting else "content")).resolve()
    if not folder.is_dir() or not folder.is_relative_to(root):
        return [], []
    known = set(front_matter_schema(SimpleNamespace(timezone=ZoneInfo("UTC"), extra_front_matter=())))
    keys: set[str] = set()
    undated: list[str] = []
    # The files smmgen reads as articles: section pages (_index.md), drafts folders and headless pages are not.
    for count, path in enumerate(discover(folder, ContentRules(include=tuple(findings.include),
                                                               exclude=tuple(findings.exclude)), root).paths):
        if count >= MAX_SCANNED_ARTICLES:
            break
        if not path.is_file() or not path.resolve().is_relative_to(root):
            continue
        try:
            data = parse(read_article_text(path, path.name, root), path.name).data
        except (SmmgenError, RecursionError):
            continue
        if skip_by_front_matter(data) is not None:
            continue
        keys.update(k for k in data if isinstance(k, str) and k not in known and k.strip()
                    and not FORBIDDEN.search(k))
        if not {"date", "publishDate", "publishdate"} & set(data) and not re.match(r"\d{4}-\d{2}-\d{2}-", path.name):
            undated.append(path.relative_to(root).as_posix())
    return sorted(keys)[:MAX_EXTRA_KEYS], undated


# --- the starter site ------------------------------------------------------------------------------------------

STARTER_TOML = """\
# smmgen.toml for a new site, written by `smmgen init`. Every key is documented in README.md ("Configuration").

[site]
name = {name}
base_url = "https://example.com"         # where the site lives: write its address
timezone = "UTC"                          # IANA zone for dates written without an offset
language = "en"
content_dir = "content"

# One table per network: write each account's handle (previews show it); set enabled = false to make no
# posts for a network. Publisher settings and secrets: README.md, [publish].
"""

STARTER_ARTICLE = """\
---
title: "Welcome to {name}"
date: {date}T09:00:00Z
tags: [news]
summary: "The first article: edit it, or write another with `smmgen new \\"Title\\"`."
---

This is an example article. smmgen turns each article under content/ into one post per social network,
each within that network's limits, with a card image and a link back to the article.

Run `smmgen check` to validate everything, `smmgen build` to write output/, and `smmgen serve` to see the
posts as they will look.
"""


def _starter(root: Path, today: dt.date) -> InitReport:
    name = root.name if root.name and not FORBIDDEN.search(root.name) else "My site"
    article = root / "content" / f"{today:%Y}" / f"{today:%Y-%m-%d}-welcome.md"
    if article.exists() or article.is_symlink():
        raise SmmgenError(f"{article.relative_to(root)} already exists")
    text = STARTER_TOML.format(name=toml_string(name))
    for platform in registry.names():
        text += f"\n[platforms.{platform}]\n# handle = {toml_string(_EXAMPLE_HANDLES.get(platform, '@example'))}\n"
    _write(root / CONFIG_NAME, text)
    try:
        article.parent.mkdir(parents=True, exist_ok=True)
        with open(article, "x", encoding="utf-8", newline="\n") as f:
            f.write(STARTER_ARTICLE.format(name=json.dumps(name, ensure_ascii=False)[1:-1],
                                           date=today.isoformat()))
    except OSError as e:
        raise SmmgenError(f"cannot write {article.relative_to(root)}: {e.strerror}") from None
    return InitReport("starter", (), (), (), (CONFIG_NAME, article.relative_to(root).as_posix()))
