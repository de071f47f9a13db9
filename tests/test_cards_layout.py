"""Layout files are validated key by key; mistakes are ConfigErrors naming the file, the key and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from smmgen.cards import DEFAULT_LAYOUT_DIR, TARGETS, CardRequest, render_cards
from smmgen.cards.layout import find_layout, load_layout
from smmgen.errors import ConfigError, ContentError, ErrorList

BASE = """\
[background]
type = "solid"
color = "#102030"

[title]
x = 60
right = 60
y = 100
bottom = 100
size = [60, 30]
"""


def _write(tmp_path: Path, text: str, name: str = "custom") -> Path:
    d = tmp_path / "layouts" / "cards"
    d.mkdir(parents=True, exist_ok=True)
    p = d / f"{name}.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _error(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_layout(_write(tmp_path, text))
    return info.value


def test_the_package_layouts_are_valid_for_every_target() -> None:
    for name in ("default", "photo"):
        lf = load_layout(DEFAULT_LAYOUT_DIR / f"{name}.toml")
        for target, spec in TARGETS.items():
            layout = lf.for_target(target)
            assert layout.canvas == (spec.width, spec.height)
            assert layout.title.size[0] >= layout.title.size[1]
    photo = load_layout(DEFAULT_LAYOUT_DIR / "photo.toml").for_target("og")
    assert photo.background.kind == "image" and max(photo.background.overlay_opacity) > 0
    assert photo.logo is not None and photo.logo.path.is_file()


def test_size_must_be_a_pair(tmp_path: Path) -> None:
    e = _error(tmp_path, BASE.replace("size = [60, 30]", 'size = "big"'))
    assert e.key == "title.size"
    assert 'expected [max, min] integers, got "big"' in e.message
    assert e.message.startswith(e.path) and e.path.endswith("custom.toml")
    assert e.line == 10  # the line of `size =`


def test_size_order_and_range(tmp_path: Path) -> None:
    assert "6 <= min <= max" in _error(tmp_path, BASE.replace("[60, 30]", "[30, 60]")).message


def test_unknown_keys_are_errors(tmp_path: Path) -> None:
    e = _error(tmp_path, BASE + 'colour = "#fff"\n')
    assert e.key == "title.colour" and "unknown key" in e.message
    e = _error(tmp_path, BASE + "[subtitle]\nx = 1\n")
    assert e.key == "subtitle" and "unknown key" in e.message


def test_bad_colour(tmp_path: Path) -> None:
    e = _error(tmp_path, BASE.replace('"#102030"', '"navy"'))
    assert e.key == "background.color" and "expected a colour" in e.message


def test_box_needs_two_keys_per_axis_and_must_fit(tmp_path: Path) -> None:
    e = _error(tmp_path, BASE.replace("right = 60\n", ""))
    assert e.key == "title.x" and "exactly two of x, w, right" in e.message
    e = _error(tmp_path, BASE.replace("right = 60", "w = 5000"))
    assert "does not fit" in e.message


def test_missing_tables(tmp_path: Path) -> None:
    assert "missing [title]" in _error(tmp_path, BASE.split("[title]")[0]).message
    assert "missing [background]" in _error(tmp_path, BASE.split("[title]")[1].join(["[title]", ""])).message


def test_layout_values_are_checked_as_smmgen_toml_checks_its_own(tmp_path: Path) -> None:
    # One reader for both (smmgen.config.schema): the same converters, messages and key lines.
    e = _error(tmp_path, BASE + 'weight = "bold"\n')
    assert (e.key, e.line) == ("title.weight", 11)
    assert e.message == f'{e.path}:11: title.weight: expected a whole number, got "bold"'
    e = _error(tmp_path, BASE + "max_lines = 40\n")
    assert e.key == "title.max_lines" and e.message.endswith("must be at most 20, got 40")
    e = _error(tmp_path, BASE + "balance = 1\n")
    assert e.message.endswith("title.balance: expected true/false, got 1")
    e = _error(tmp_path, BASE + 'colour = "#fff"\n')
    assert "unknown key (known keys: " in e.message and "color" in e.message.split("known keys: ")[1]
    e = _error(tmp_path, BASE + "\n[targets.instagram.title]\nweight = 1.5\n")
    assert (e.key, e.line) == ("targets.instagram.title.weight", 13)
    assert e.message.endswith("expected a whole number, got 1.5")


def test_target_overrides_are_checked_and_named(tmp_path: Path) -> None:
    text = BASE + "\n[targets.instagram.title]\nsize = [90, 40]\nmax_lines = 7\n"
    lf = load_layout(_write(tmp_path, text))
    assert lf.for_target("instagram").title.size == (90, 40)
    assert lf.for_target("og").title.size == (60, 30)
    e = _error(tmp_path, BASE + "\n[targets.instagram.title]\nsize = 12.5\n")
    assert e.key == "targets.instagram.title.size"
    e = _error(tmp_path, BASE + "\n[targets.tiktok.title]\nsize = [1, 1]\n")
    assert e.key == "targets.tiktok" and "unknown target" in e.message


def test_override_position_replaces_the_base_position(tmp_path: Path) -> None:
    text = BASE + "\n[targets.x.title]\ny = 20\nh = 200\n"  # base gives y and bottom; x's card uses y and h
    box = load_layout(_write(tmp_path, text)).for_target("x").title.box
    assert (box.y, box.h, box.bottom) == (20, 200, None)


def test_missing_logo_and_font_files(tmp_path: Path) -> None:
    e = _error(tmp_path, BASE + '[logo]\npath = "nope.png"\nx = 10\ny = 10\nh = 40\n')
    assert e.key == "logo.path" and "not found" in e.message
    e = _error(tmp_path, BASE.replace("size = [60, 30]", 'size = [60, 30]\nfamily = "Comic Sans"'))
    assert e.key == "title.family" and "unknown font" in e.message


def test_invalid_toml(tmp_path: Path) -> None:
    assert "not valid TOML" in _error(tmp_path, "[title\n").message


def test_layout_lookup_order_and_unknown_names(tmp_path: Path) -> None:
    site = _write(tmp_path, BASE, "default").parent
    assert find_layout("default", [site, DEFAULT_LAYOUT_DIR], source="a.md") == site / "default.toml"
    assert find_layout("photo", [site, DEFAULT_LAYOUT_DIR], source="a.md") == DEFAULT_LAYOUT_DIR / "photo.toml"
    with pytest.raises(ContentError) as info:
        find_layout("fancy", [site, DEFAULT_LAYOUT_DIR], source="content/a.md")
    assert info.value.path == "content/a.md" and "no card layout 'fancy'" in info.value.message
    with pytest.raises(ContentError):
        find_layout("../secrets", [site], source="content/a.md")


def test_render_cards_collects_layout_errors(tmp_path: Path) -> None:
    site = _write(tmp_path, BASE.replace("[60, 30]", '"big"'), "broken").parent
    good = CardRequest("og", "default", "Fine", "Site", None, None, "en", None, None, "", "content/a.md", None)
    bad = CardRequest("og", "broken", "Broken", "Site", None, None, "en", None, None, "", "content/b.md", None)
    with pytest.raises(ErrorList) as info:
        render_cards([bad, good], layout_dirs=[site, DEFAULT_LAYOUT_DIR], out_dir=tmp_path / "out")
    assert len(info.value.errors) == 1 and "title.size" in info.value.message
    assert len(list((tmp_path / "out" / "cards").glob("*.png"))) == 1  # the good card was still made
