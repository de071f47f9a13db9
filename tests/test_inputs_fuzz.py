"""Property tests over every reader of site input: front matter (YAML and TOML, arbitrary text and structured
values of the wrong kind), smmgen.toml, card layout files, Jinja layouts and hero images.

Whatever the input, the reader gives a correct result or a SmmgenError that names the file (and the field,
where one is to blame): never another exception, and nothing is written outside the site.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import math
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smmgen.build.pipeline import cut_article
from smmgen.build.templates import Layouts
from smmgen.cards import hero as heromod
from smmgen.cards.layout import load_layout
from smmgen.config.site import load_site
from smmgen.content.article import Article
from smmgen.content.reading import load_article
from smmgen.errors import SmmgenError

REPO = Path(__file__).resolve().parent.parent
CONFIG = """\
[site]
name = "Fuzz Desk"
base_url = "https://news.example"
timezone = "Europe/Berlin"

[platforms.mastodon]
handle = "@desk@social.example"
"""
ARTICLE = "---\ntitle: A fine article\ndate: 2026-03-01T09:00:00+01:00\n---\n\nA body to cut.\n"

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
MORE = settings(FUZZ, max_examples=500)          # for the cheapest readers


@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "site"
    (root / "content").mkdir(parents=True)
    (root / "smmgen.toml").write_text(CONFIG)
    return root


def _outside(root: Path) -> set[str]:
    """Everything beside the site: what a reader must never add to."""
    return {str(p) for p in root.parent.rglob("*") if not Path(p).is_relative_to(root)}


def _messages(e: SmmgenError) -> list[SmmgenError]:
    return list(getattr(e, "errors", [e]))


def _read_article(root: Path, text: str | bytes) -> Article | list[SmmgenError]:
    path = root / "content" / "a.md"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        return load_article(path, load_site(root))
    except SmmgenError as e:
        errors = _messages(e)
        assert errors and all(getattr(x, "path", None) == "content/a.md" for x in errors), \
            [x.message for x in errors]
        return errors


# --- front matter: arbitrary text -------------------------------------------------------------------------------

PIECES = [
    "title: ", "date: ", "2026-03-01", "2026-02-30", "T09:30:00", "+01:00", "0001-01-01", "9999-12-31", "tags: ",
    "social:\n  mastodon:\n    text: ", "  publish_at: ", "  expire_after: ", "9999999d", "7d", "\n", "\n  ",
    "- ", '"', "'", "\\", "\\0", "\\u0000", "\\ud800", ": ", "#", "[", "]", "{", "}", ",", "&a ", "*a", "<<: ",
    "!!str ", "!!python/object:os.system ", "|", ">", "---", "...", "%YAML 1.1\n", "\t", " ", "~", "null", "yes",
    "1e999", "0x1F", "é", "東京", "😀", "\u202e", "\x00", "\x1b", "\x85", "\r", "\r\n", "\ufeff", "\uffff",
    "image: ", "missing.png", "../../../../etc/passwd", "/etc/passwd", "https://x.example/a.png", "slug: ",
    "title: A\ndate: 2026-03-01\n", "draft: ", "true", "[[[[[[[[", "{a: {b: {c: ", "title: x\ntitle: y\n",
]
FRONT_TEXT = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=30).map("".join)


@MORE
@given(block=FRONT_TEXT, body=st.text(max_size=40), toml=st.booleans())
def test_front_matter_text(site_root: Path, block: str, body: str, toml: bool) -> None:
    fence = "+++" if toml else "---"
    before = _outside(site_root)
    got = _read_article(site_root, f"{fence}\n{block}\n{fence}\n{body}")
    assert isinstance(got, (Article, list))
    assert _outside(site_root) == before


@MORE
@given(raw=st.binary(max_size=200))
def test_article_bytes(site_root: Path, raw: bytes) -> None:
    got = _read_article(site_root, b"---\ntitle: A\ndate: 2026-03-01\n---\n" + raw)
    assert isinstance(got, (Article, list))


# --- front matter and config: structured values of every wrong kind ---------------------------------------------

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
           | st.dates(min_value=dt.date(1, 1, 1)) | st.sampled_from(["2026-02-30", "9999-12-31T23:59:59-05:00",
                                                                    "48h", "9999999999d", "", " ", "yes", "on"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
FRONT_KEYS = ["title", "date", "slug", "url", "summary", "description", "lang", "image", "images", "image_alt",
              "image_focus", "tags", "section", "card", "draft", "retracted", "social", "author", "unknown"]
SOCIAL = st.fixed_dictionaries({}, optional={
    "platforms": VALUES, "publish_at": VALUES, "expire_at": VALUES, "expire_after": VALUES,
    "mastodon": st.fixed_dictionaries({}, optional={k: VALUES for k in ("text", "publish_at", "expire_at",
                                                                         "expire_after", "thread", "card")}),
})
FRONT = st.fixed_dictionaries({"title": VALUES | st.text(min_size=1, max_size=20), "date": VALUES},
                              optional={**{k: VALUES for k in FRONT_KEYS[2:]}, "social": SOCIAL | VALUES})


def _toml_value(value) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, (int, dt.date)):
        return str(value) if not isinstance(value, dt.date) else value.isoformat()
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


def _toml_document(data: dict) -> str:
    return "".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in data.items())


def _yaml_document(data: dict) -> str:
    import yaml

    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@FUZZ
@given(data=FRONT, toml=st.booleans())
def test_front_matter_values(site_root: Path, data: dict, toml: bool) -> None:
    block = _toml_document(data) if toml else _yaml_document(data)
    fence = "+++" if toml else "---"
    got = _read_article(site_root, f"{fence}\n{block}{fence}\nA body.\n")
    if isinstance(got, list):
        # A value of the wrong kind is blamed on its own field, on the line where it is written.
        assert all(e.line and e.line >= 1 for e in got), [e.message for e in got]
    else:
        assert got.title and got.date.tzinfo is not None and 1000 <= got.date.year <= 8999


CONFIG_KEYS = st.fixed_dictionaries({}, optional={
    "name": VALUES, "base_url": VALUES, "permalink": VALUES, "timezone": VALUES, "language": VALUES,
    "cards_base_url": VALUES, "content_dir": VALUES | st.sampled_from(["..", "/etc", "content/../..", "x"]),
    "layouts_dir": VALUES, "output_dir": VALUES, "extra_front_matter": VALUES})


@MORE
@given(site=CONFIG_KEYS, extra=st.dictionaries(st.sampled_from(["utm", "platforms", "plan", "publish", "x"]),
                                               VALUES, max_size=2), text=st.none() | FRONT_TEXT)
def test_config(site_root: Path, site: dict, extra: dict, text: str | None) -> None:
    root = site_root.parent / "config"
    root.mkdir(exist_ok=True)
    if text is not None:
        document = text
    else:
        document = "[site]\n" + _toml_document(site) + _toml_document(extra)
    (root / "smmgen.toml").write_text(document, encoding="utf-8", errors="surrogatepass")
    try:
        loaded = load_site(root)
    except SmmgenError as e:
        assert all(getattr(x, "path", None) == "smmgen.toml" for x in _messages(e)), e.message
    else:
        assert loaded.content_dir.resolve().is_relative_to(root.resolve())


# --- card layouts and Jinja layouts -----------------------------------------------------------------------------

_NAMES = itertools.count()
LAYOUT_KEYS = ["canvas", "background", "title", "logo", "site_name", "kicker", "date", "rect", "targets", "mirror_rtl"]
ELEMENT = st.fixed_dictionaries({}, optional={k: VALUES for k in (
    "x", "y", "w", "h", "right", "bottom", "family", "weight", "size", "color", "align", "max_lines", "path",
    "kind", "colors", "overlay_opacity", "show")})


@FUZZ
@given(data=st.dictionaries(st.sampled_from(LAYOUT_KEYS), ELEMENT | VALUES, max_size=5),
       text=st.none() | FRONT_TEXT)
def test_card_layout_files(site_root: Path, data: dict, text: str | None) -> None:
    folder = site_root.parent / "layouts"
    folder.mkdir(exist_ok=True)
    # A new name each time: layouts are cached by path, modification time and size.
    path = folder / f"fuzz{next(_NAMES)}.toml"
    path.write_text(text if text is not None else _toml_document(data), encoding="utf-8", errors="surrogatepass")
    try:
        load_layout(path)
    except SmmgenError as e:
        assert all(path.name in (getattr(x, "path", "") or "") for x in _messages(e)), e.message


TEMPLATE_PIECES = ["{{ title }}", "{{ excerpt }}", "{{ link }}", "{{ hashtags }}", "{{ nope }}", "{{ title.x }}",
                   "{{", "}}", "{%", "%}", "{% if excerpt %}", "{% endif %}", "{% for x in tags %}", "{% endfor %}",
                   "{{ 1 / 0 }}", "{{ title | int }}", "{{ title | nofilter }}", "{{ title[99] }}", "{# c #}",
                   "{% include 'nope.j2' %}", "{% include '../../etc/passwd' %}", "{% extends 'x' %}",
                   "{{ title | attr('__class__') }}", "{{ range(3) | list }}", "{{ excerpt | truncate(5) }}",
                   "{% raw %}", "{% endraw %}", "{% set a = 1 %}", "{{ a + 'x' }}", "{{ title % 3 }}", "\n", " ",
                   "text", "é", "\x00"]


@pytest.fixture(scope="module")
def jinja_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Article]:
    root = tmp_path_factory.mktemp("jinja") / "site"
    (root / "content").mkdir(parents=True)
    (root / "layouts").mkdir()
    (root / "smmgen.toml").write_text(CONFIG)
    (root / "content" / "a.md").write_text(ARTICLE)
    return root, load_article(root / "content" / "a.md", load_site(root))


@MORE
@given(template=st.lists(st.sampled_from(TEMPLATE_PIECES), max_size=12).map("".join))
def test_jinja_layouts(jinja_site: tuple[Path, Article], template: str) -> None:
    root, article = jinja_site
    (root / "layouts" / "mastodon.txt.j2").write_text(template)
    site = load_site(root)
    before = _outside(root)
    # A new Layouts each time: Jinja's own cache would keep a template whose file changed within its second.
    cuts, errors = cut_article(article, site, Layouts(site.layouts_dir, root=site.root))
    assert len(cuts) + len(errors) == 1
    for e in errors:
        assert isinstance(e, SmmgenError) and e.message.startswith("layouts/mastodon.txt.j2"), e.message
    assert _outside(root) == before


# --- hero images ------------------------------------------------------------------------------------------------

def _image_bytes(fmt: str, size: tuple[int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, fmt)
    return out.getvalue()


SAMPLES = {fmt: _image_bytes(fmt, (320, 240)) for fmt in ("PNG", "JPEG", "GIF", "WEBP", "BMP")}


@settings(FUZZ, max_examples=800)
@given(fmt=st.sampled_from(sorted(SAMPLES)), cut=st.integers(min_value=0, max_value=4000),
       flips=st.lists(st.tuples(st.integers(min_value=0, max_value=4000), st.integers(0, 255)), max_size=4),
       noise=st.binary(max_size=64))
def test_hero_bytes(fmt: str, cut: int, flips: list, noise: bytes) -> None:
    data = bytearray(SAMPLES[fmt][:cut] + noise)
    for at, value in flips:
        if at < len(data):
            data[at] = value
    try:
        im = heromod.decode(bytes(data), [(1200, 630)], name="hero.png")
    except heromod.HeroError as e:
        assert "hero.png" in str(e)
    else:
        assert im.mode == "RGB" and min(im.size) >= 1


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_broken_hero_is_an_error_naming_article_and_image(make_site, fmt: str, damage: str) -> None:
    import subprocess
    import sys

    good = _image_bytes(fmt, (800, 600))
    data = {"truncated": good[: len(good) // 3], "garbage": os.urandom(2000), "empty": b""}[damage]
    suffix = ".png" if fmt == "PNG" else ".jpg"
    (make_site.root / "content" / f"hero{suffix}").write_bytes(data)
    make_site.article("a.md", ARTICLE.replace("---\n\n", f"image: hero{suffix}\nimage_alt: A hero\n---\n\n"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "smmgen", "build", "--site", str(make_site.root)],
                          capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert f"content/a.md:4: image: hero{suffix}" in proc.stderr, proc.stderr


def _font_bytes() -> bytes:
    from smmgen.cards.fonts import _noto_sans

    return Path(_noto_sans().path).read_bytes()


LOGO = (REPO / "smmgen" / "defaults" / "cards" / "logo.png").read_bytes()
DEFAULT_LAYOUT = (REPO / "smmgen" / "defaults" / "cards" / "default.toml").read_text()


@settings(FUZZ, max_examples=300)
@given(which=st.sampled_from(["logo", "font"]), cut=st.integers(min_value=0, max_value=60_000),
       noise=st.binary(max_size=32))
def test_files_a_card_layout_names(site_root: Path, which: str, cut: int, noise: bytes) -> None:
    folder = site_root.parent / "named"
    folder.mkdir(exist_ok=True)
    n = next(_NAMES)
    good = LOGO if which == "logo" else _font_bytes()
    (folder / f"f{n}.bin").write_bytes(good[:cut] + noise)
    (folder / f"f{n}.png").unlink(missing_ok=True)
    name = f"f{n}.png" if which == "logo" else f"f{n}.ttf"
    os.replace(folder / f"f{n}.bin", folder / name)
    layout = DEFAULT_LAYOUT.replace('path = "logo.png"', f'path = "{name}"', 1) if which == "logo" else \
        DEFAULT_LAYOUT.replace("[title]\n", f'[title]\nfamily = "{name}"\n', 1)
    path = folder / f"layout{n}.toml"
    path.write_text(layout)
    try:
        load_layout(path)
    except SmmgenError as e:
        assert e.path.endswith(path.name) and e.line and e.key in ("logo.path", "title.family"), e.message


@pytest.mark.parametrize("which", ["logo", "font"])
def test_a_broken_logo_or_font_is_an_error_naming_the_layout(make_site, which: str) -> None:
    import subprocess
    import sys

    cards = make_site.root / "layouts" / "cards"
    cards.mkdir(parents=True)
    if which == "logo":
        (cards / "logo.png").write_bytes(LOGO[: len(LOGO) // 2])
        (cards / "default.toml").write_text(DEFAULT_LAYOUT)
        expected = 'layouts/cards/default.toml:48: logo.path: "logo.png" is not an image that can be drawn'
    else:
        shutil.copy(REPO / "smmgen" / "defaults" / "cards" / "logo.png", cards / "logo.png")
        (cards / "bad.ttf").write_bytes(_font_bytes()[:5000])
        (cards / "default.toml").write_text(DEFAULT_LAYOUT.replace("[title]\n", '[title]\nfamily = "bad.ttf"\n', 1))
        expected = 'layouts/cards/default.toml:37: title.family: "bad.ttf" is not a font that can be drawn with'
    make_site.article("a.md", ARTICLE)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "smmgen", "build", "--site", str(make_site.root)],
                          capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.stderr.startswith(expected), proc.stderr
