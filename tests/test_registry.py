"""The one registry helper behind the platform and publisher registries: built-ins in a literal dict, third-party
modules through an entry-point group, read from a real installed distribution (a .dist-info on sys.path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from smmgen.platforms import registry as platforms
from smmgen.publish import registry as publishers
from smmgen.registry import Registry

NINE = ("x", "mastodon", "bluesky", "threads", "facebook", "instagram", "linkedin", "telegram", "vk")


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A distribution with two ``smmgen.publishers`` entry points: a new one, and one that claims "x"."""
    (tmp_path / "courier_pigeon.py").write_text('NAME = "pigeon"\n', encoding="utf-8")
    info = tmp_path / "courier_pigeon-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: courier-pigeon\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[smmgen.publishers]\npigeon = courier_pigeon\nx = courier_pigeon\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_builtins_come_first_in_their_order_and_entry_points_after(installed: Path) -> None:
    found = Registry("smmgen.publishers", {"x": "smmgen.publish.x", "vk": "smmgen.publish.vk"})
    assert found.names() == ("x", "vk", "pigeon")
    assert found.module("pigeon").NAME == "pigeon"


def test_a_builtin_name_is_never_replaced_by_an_entry_point(installed: Path) -> None:
    found = Registry("smmgen.publishers", {"x": "smmgen.publish.x"})
    assert found.modules["x"] == "smmgen.publish.x"
    assert found.module("x").__name__ == "smmgen.publish.x"


def test_an_unknown_name_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        Registry("smmgen.nothing-here", {}).module("pigeon")


def test_both_registries_use_it() -> None:
    assert platforms.names()[:9] == NINE
    assert platforms.get("bluesky").SPEC.name == "bluesky"
    assert set(publishers.names()) >= set(NINE)
    assert publishers.module("mastodon").__name__ == "smmgen.publish.mastodon"
    assert platforms.settings_schema("no-such-platform") is None
