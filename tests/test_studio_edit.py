"""The studio's file editors: TOML layouts changed in place, one front-matter key set and nothing else.

No server here: the text in, the text out. Every layout key the studio's schema lists is checked against the
layout loader, so the page never offers a control that writes a file the build refuses.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smmgen.cards import DEFAULT_LAYOUT_DIR
from smmgen.cards.layout import layout_from_data
from smmgen.content.front_matter import parse
from smmgen.errors import ConfigError
from smmgen.studio.front_matter_edit import set_key
from smmgen.studio.schema import ELEMENTS, rank
from smmgen.studio.toml_edit import EditError, dumps, leaves, scan, update

REPO = Path(__file__).resolve().parent.parent
LAYOUTS = [REPO / "layouts/cards/photo.toml", REPO / "layouts/cards/default.toml", DEFAULT_LAYOUT_DIR / "photo.toml",
           DEFAULT_LAYOUT_DIR / "default.toml"]


# ----------------------------------------------------------------------------------------------------------
# TOML layouts


@pytest.mark.parametrize("path", LAYOUTS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_an_unchanged_layout_is_written_back_byte_for_byte(path):
    text = path.read_text()
    assert update(text, tomllib.loads(text), rank, first_section="targets") == text


def test_scan_finds_every_value_where_it_is_written():
    text = (REPO / "layouts/cards/photo.toml").read_text()
    data = tomllib.loads(text)
    found = scan(text)
    values = leaves(data, {e.path for e in found.entries})
    assert {e.path for e in found.entries} == set(values)
    for e in found.entries:
        assert tomllib.loads(f"v = {text[e.start:e.end]}")["v"] == values[e.path]
    assert ("targets", "instagram", "rect", 1, "color") in values


def test_multiline_values_strings_and_comments_are_followed():
    text = ('# head\nname = "a # not a comment"  # a comment\nlist = [\n  1, # one\n  2,\n]\n'
            "lit = 'x \"y\"'\nmulti = \"\"\"\nline ]\n\"\"\"\n\n[t]\n\"quoted key\" = 1\ndotted.key = 2\n")
    data = tomllib.loads(text)
    data["list"] = [3]
    data["name"] = "b"
    data["t"]["quoted key"] = 5
    data["t"]["dotted"]["key"] = 6
    out = update(text, data)
    assert out == ('# head\nname = "b"  # a comment\nlist = [3]\n'
                   "lit = 'x \"y\"'\nmulti = \"\"\"\nline ]\n\"\"\"\n\n[t]\n\"quoted key\" = 5\ndotted.key = 6\n")


def test_removed_keys_and_tables_lose_their_lines_and_new_tables_go_before_the_targets():
    text = (REPO / "layouts/cards/photo.toml").read_text()
    data = tomllib.loads(text)
    del data["date"]
    del data["kicker"]["pill_radius"]
    data["canvas"] = {"width": 1200}
    data["targets"]["x"] = {"title": {"max_lines": 3}}
    out = update(text, data, rank, first_section="targets")
    assert tomllib.loads(out) == data
    assert "[date]" not in out and "pill_radius" not in out
    assert out.index("[canvas]") < out.index("# Instagram's 4:5 portrait") < out.index("[targets.x.title]")
    assert "\n\n\n" not in out
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert [line for line in out.splitlines() if line.lstrip().startswith("#")] == comments


def test_a_fresh_layout_is_written_in_schema_order():
    data = {"title": {"size": [60, 30], "x": 10, "y": 10, "right": 10, "bottom": 10},
            "background": {"type": "solid", "color": "#000000"}, "description": "d",
            "rect": [{"x": 0, "y": 0, "w": 10, "h": 10, "color": "#fff"}],
            "targets": {"instagram": {"title": {"max_lines": 6}}}}
    text = dumps(data, rank)
    assert tomllib.loads(text) == data
    assert [line for line in text.splitlines() if line.startswith(("[", "desc"))] == [
        'description = "d"', "[background]", "[[rect]]", "[title]", "[targets.instagram.title]"]
    assert text.index("x = 10") < text.index("y = 10") < text.index("size")


def test_text_that_cannot_be_edited_safely_is_refused():
    with pytest.raises(EditError):
        update("a = [1,\n", {"a": 1})


_colour = st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_edits_say_what_was_asked_and_keep_every_other_line(data):
    path = data.draw(st.sampled_from(LAYOUTS))
    text = path.read_text()
    want = tomllib.loads(text)
    found = scan(text)
    paths = sorted({e.path for e in found.entries}, key=str)
    changed = set()
    for p in data.draw(st.lists(st.sampled_from(paths), max_size=6, unique=True)):
        table = want
        for part in p[:-1]:
            table = table[part]
        old = table[p[-1]]
        if isinstance(old, bool):
            table[p[-1]] = not old
        elif isinstance(old, int):
            table[p[-1]] = data.draw(st.integers(0, 2000))
        elif isinstance(old, str) and old.startswith("#"):
            table[p[-1]] = data.draw(_colour)
        elif isinstance(old, str):
            table[p[-1]] = data.draw(st.text(max_size=20))
        elif data.draw(st.booleans()):
            del table[p[-1]]
        changed.add(p)
    out = update(text, want, rank, first_section="targets")
    assert tomllib.loads(out) == want
    untouched = {text.splitlines()[e.line] for e in found.entries if e.path not in changed and e.line == e.end_line}
    assert untouched <= set(out.splitlines())
    assert [ln for ln in text.splitlines() if ln.startswith("#")] == [ln for ln in out.splitlines() if ln.startswith("#")]


# ----------------------------------------------------------------------------------------------------------
# The schema the controls are made from


_EXAMPLES = {"int": 10, "number": 1.0, "bool": True, "string": "x", "color": "#112233", "font": "Noto Sans",
             "colors": ["#000000", "#ffffff"], "stops": [0.2, 0.8]}
_PAIRS = {"size": [40, 20], "focus": [0.5, 0.5], "pill_padding": [4, 2]}
_AXES = {"x": {"x": 10, "w": 100}, "w": {"x": 10, "w": 100}, "right": {"right": 10, "w": 100},
         "y": {"y": 10, "h": 40}, "h": {"y": 10, "h": 40}, "bottom": {"bottom": 10, "h": 40}}


def _example(key) -> object:
    if key.type == "choice":
        return key.options[-1]
    if key.type == "pair":
        return _PAIRS[key.name]
    if key.name in _AXES:
        return 10
    if key.name == "path":
        return "logo.png"
    if key.type in ("int", "number") and key.min is not None:
        return int(key.min) if key.type == "int" else float(key.min)     # the range's end is accepted
    return _EXAMPLES[key.type]


def _element(element: str, name: str, value) -> dict:
    """A valid table of ``element`` that sets ``name``."""
    if element == "canvas":
        return {name: value}
    if element == "background":
        kind = "solid" if name == "color" else "image" if name.startswith("overlay") else "gradient"
        table = {"type": kind} if kind == "solid" else {"type": kind, "colors": ["#000000", "#111111"]}
        return {**table, name: value}
    if element == "logo":
        table = {"path": "logo.png", "x": 1, "y": 1, "h": 20}
        if name in ("right", "bottom"):
            del table["x" if name == "right" else "y"]
        return {**table, name: value}
    table = {**_AXES.get(name if name in ("x", "w", "right") else "x"),
             **_AXES.get(name if name in ("y", "h", "bottom") else "y")}
    if element == "rect":
        return {**table, "color": "#000000", name: value}
    table |= {"size": [24, 18], "max_lines": 1 if element != "title" or name.startswith("pill") else 3}
    if name.startswith("pill_") and name != "pill_color":
        table["pill_color"] = "#000000"
    if name == "above_title":
        table = {"x": 10, "w": 100, "h": 40, "size": [24, 18]}
    return {**table, name: value}


@pytest.mark.parametrize("element", [e for e in ELEMENTS if e])
def test_every_schema_key_is_one_the_loader_reads(element, tmp_path):
    (tmp_path / "logo.png").write_bytes((DEFAULT_LAYOUT_DIR / "logo.png").read_bytes())
    for key in ELEMENTS[element]:
        value = _example(key)
        data = {"background": {"type": "gradient", "colors": ["#000000", "#111111"]},
                "title": {"x": 10, "y": 10, "right": 10, "bottom": 10, "size": [60, 30]}}
        table = _element(element, key.name, value)
        data[element] = [table] if element == "rect" else table
        try:
            layout_from_data(data, "t", "t.toml", "", tmp_path, tmp_path)
        except ConfigError as e:
            pytest.fail(f"{element}.{key.name} = {value!r}: {e}")
    data["title"]["colour"] = "#000000"
    with pytest.raises(ConfigError, match="unknown key"):
        layout_from_data(data, "t", "t.toml", "", tmp_path, tmp_path)


def test_every_key_the_loader_reads_has_a_control():
    """A key added to the layout loader and not to the studio's schema fails here (read from the loader's code:
    each ``r.int("weight")``, ``r.table("logo")``…, and the box keys)."""
    import re

    source = (REPO / "smmgen/cards/layout_check.py").read_text()
    read = set(re.findall(r'\.(?:int|number|bool|string|choice|color|colors|get|table|has)\("(\w+)"', source))
    read |= set(re.findall(r'_focus\(r, "(\w+)"', source))
    box = re.search(r'for k in \(("x", [^)]*)\)', source)
    read |= set(re.findall(r'"(\w+)"', box.group(1)))
    read |= {"size", "family"}                                # read by _size_range and _family
    described = {k.name for keys in ELEMENTS.values() for k in keys} | set(ELEMENTS)
    assert read - described == set()
    assert {"weight", "pill_radius", "overlay_opacity", "bottom", "above_title"} <= read


def test_the_top_level_keys_are_read_too(tmp_path):
    data = {"background": {"type": "solid", "color": "#000000"}, "description": "d", "mirror_rtl": False,
            "title": {"x": 10, "y": 10, "right": 10, "bottom": 10, "size": [60, 30]}}
    layout_from_data(data, "t", "t.toml", "", tmp_path, tmp_path)


# ----------------------------------------------------------------------------------------------------------
# Front matter: one key, nothing else


YAML_CASES = [
    # (front matter text, key, value, expected text)
    ("---\ntitle: A\nimage_focus: [0.5, 0.4]  # kept\n---\nbody\n", ("image_focus",), [0.2, 0.8],
     "---\ntitle: A\nimage_focus: [0.2, 0.8]  # kept\n---\nbody\n"),
    ("---\ntitle: A\nimage_focus:\n  - 0.5\n  - 0.4\n# after\ndraft: false\n---\n", ("image_focus",), [0.2, 0.8],
     "---\ntitle: A\nimage_focus: [0.2, 0.8]\n# after\ndraft: false\n---\n"),
    ("---\r\ntitle: A\r\ntags: [a]\r\n---\r\nbody\r\n", ("image_focus",), [0.2, 0.8],
     "---\r\ntitle: A\r\ntags: [a]\r\nimage_focus: [0.2, 0.8]\r\n---\r\nbody\r\n"),
    ("\ufeff---\ntitle: 'A: b'\n---\n", ("image_focus",), [1.0, 0.0],
     "\ufeff---\ntitle: 'A: b'\nimage_focus: [1.0, 0.0]\n---\n"),
    ("---\ntitle: A\ncard: photo # the photo card\n---\n", ("card", "layout"), "night-desk",
     "---\ntitle: A\ncard: night-desk # the photo card\n---\n"),
    ("---\ntitle: A\ncard:\n  layout: photo\nz: 1\n---\n", ("card", "layout"), "default",
     "---\ntitle: A\ncard:\n  layout: default\nz: 1\n---\n"),
    ("---\ntitle: A\ncard:\n    other: 1\nz: 1\n---\n", ("card", "layout"), "default",
     "---\ntitle: A\ncard:\n    other: 1\n    layout: default\nz: 1\n---\n"),
    ("---\ntitle: A\n---\n", ("card", "layout"), "photo", "---\ntitle: A\ncard: photo\n---\n"),
    ("---\ntitle: A\ncard: {layout: photo, x: 1}\n---\n", ("card", "layout"), "default",
     "---\ntitle: A\ncard: {layout: default, x: 1}\n---\n"),
    ("---\ntitle: A\nsocial:\n  x:\n    thread: true\n---\n---\nnot front matter\n", ("image_focus",), [0.1, 0.1],
     "---\ntitle: A\nsocial:\n  x:\n    thread: true\nimage_focus: [0.1, 0.1]\n---\n---\nnot front matter\n"),
]

TOML_CASES = [
    ('+++\ntitle = "A"\nimage_focus = [ 0.5, 0.4 ] # kept\n[social]\nplatforms = ["x"]\n+++\n', ("image_focus",),
     [0.2, 0.8], '+++\ntitle = "A"\nimage_focus = [0.2, 0.8] # kept\n[social]\nplatforms = ["x"]\n+++\n'),
    ('+++\ntitle = "A"\ndate = 2026-01-01\n\n[social]\nplatforms = ["x"]\n+++\nbody\n', ("image_focus",),
     [0.2, 0.8], '+++\ntitle = "A"\ndate = 2026-01-01\nimage_focus = [0.2, 0.8]\n\n[social]\nplatforms = ["x"]\n+++\nbody\n'),
    ('+++\r\ntitle = "A"\r\n+++\r\n', ("image_focus",), [0.2, 0.8],
     '+++\r\ntitle = "A"\r\nimage_focus = [0.2, 0.8]\r\n+++\r\n'),
    ('+++\ntitle = "A"\ncard = "photo"\n+++\n', ("card", "layout"), "default",
     '+++\ntitle = "A"\ncard = "default"\n+++\n'),
    ('+++\ntitle = "A"\n[card]\nlayout = "photo" # mine\n+++\n', ("card", "layout"), "default",
     '+++\ntitle = "A"\n[card]\nlayout = "default" # mine\n+++\n'),
    ('+++\ntitle = "A"\n[card]\nother = 1\n[social]\n+++\n', ("card", "layout"), "default",
     '+++\ntitle = "A"\n[card]\nother = 1\nlayout = "default"\n[social]\n+++\n'),
]


@pytest.mark.parametrize("text, key, value, expected", YAML_CASES + TOML_CASES)
def test_one_front_matter_key_is_set_and_nothing_else_changes(text, key, value, expected):
    assert set_key(text.encode(), key, value, "a.md").decode() == expected


@pytest.mark.parametrize("text, key", [
    ("---\ntitle: A\ncard: {x: 1}\n---\n", ("card", "layout")),             # inline, without layout
    ('+++\ntitle = "A"\ncard = { layout = "photo" }\n+++\n', ("card", "layout")),
    ("---\ntitle: A\nimage_focus: &f [0.5, 0.5]\nb: *f\n---\n", ("image_focus",)),
    ("---\ntitle: A\ncard: [a]\n---\n", ("card", "layout")),
    ("no front matter\n", ("image_focus",)),
    ("---\ntitle: A\n", ("image_focus",)),
])
def test_shapes_that_cannot_be_edited_safely_are_refused_with_a_reason(text, key):
    with pytest.raises(EditError) as e:
        set_key(text.encode(), key, "photo" if key[0] == "card" else [0.1, 0.1], "a.md")
    assert str(e.value)


@pytest.mark.parametrize("path", sorted((REPO / "content").rglob("*.md")), ids=lambda p: p.name)
def test_every_sample_article_takes_a_focus_and_a_layout(path):
    raw = path.read_bytes()
    once = set_key(raw, ("image_focus",), [0.25, 0.75], path.name)
    twice = set_key(once, ("card", "layout"), "photo", path.name)
    data = parse(twice.decode(), path.name).data
    assert data["image_focus"] == [0.25, 0.75]
    assert data["card"] == "photo" or data["card"] == {"layout": "photo"}
    before = parse(raw.decode(), path.name)
    assert {k: v for k, v in data.items() if k not in ("image_focus", "card")} == \
           {k: v for k, v in before.data.items() if k not in ("image_focus", "card")}
    assert parse(twice.decode(), path.name).body == before.body


def test_card_written_as_a_table_names_the_layout(sample_site):
    from smmgen.config.site import load_site
    from smmgen.content.reading import load_article
    from smmgen.errors import SmmgenError

    path = sample_site / "content/2026/2026-11-22-gallery-east-wing.md"
    text = path.read_text()
    site = load_site(sample_site)
    path.write_text(text.replace("card: photo", "card:\n  layout: default"))
    assert load_article(path, site).card == "default"
    path.write_text(text.replace("card: photo", "card:\n  layot: default"))
    with pytest.raises(SmmgenError, match=r"gallery-east-wing\.md:9: card\.layout: required but missing"):
        load_article(path, site)
