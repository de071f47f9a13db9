"""Front matter is read with libyaml's parser when PyYAML has it, and with PyYAML's own parser when libyaml
refuses a block. Either way the result (data, key lines, or the error) must be what the pure loader gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smmgen.content import front_matter as fm
from smmgen.errors import ContentError


@pytest.fixture(scope="module", autouse=True)
def libyaml() -> None:
    # Without libyaml there is one loader and nothing to compare: skipped on a developer's machine, but under CI
    # (where PyYAML comes with libyaml, as on every platform its wheels cover) a silent skip would hide the tests.
    if fm._FAST_LOADER is None:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail("PyYAML without libyaml under CI: the loader comparison must run (reinstall PyYAML from "
                        "its wheel)", pytrace=False)
        pytest.skip("PyYAML without libyaml")

ROOT = Path(__file__).resolve().parents[1]


def pure(block: str):
    try:
        return fm._load_yaml(block, fm._NoDatesLoader, 1)
    except Exception as e:          # noqa: BLE001 - the kind of failure is what is compared
        return type(e).__name__


def used(block: str):
    try:
        return fm._parse_yaml(block, "a.md", 1)
    except ContentError:
        return "error"
    except Exception as e:          # noqa: BLE001
        return type(e).__name__


def same_outcome(block: str) -> None:
    expected = pure(block)
    got = used(block)
    if isinstance(expected, str):
        # Refused as the pure loader refuses it, and as the one clean error a user sees (file:line: message):
        # a parser's own exception (a libyaml ScannerError) escaping would be a traceback.
        assert got == "error", (block, expected, got)
    else:
        assert got == expected, block


def test_a_parser_error_escaping_fails_the_comparison(monkeypatch):
    # Both loaders refuse "a: [": the comparison holds only when the one in use refuses it with a ContentError.
    assert pure("a: [") == "ParserError"
    same_outcome("a: [")

    def escaping(block, shown, first):
        raise yaml.scanner.ScannerError("while scanning", None, "found a tab", None)

    monkeypatch.setattr(fm, "_parse_yaml", escaping)
    with pytest.raises(AssertionError):
        same_outcome("a: [")


def test_every_sample_article_reads_the_same():
    blocks = []
    for path in sorted((ROOT / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if text.startswith("---"):
            blocks.append(text.split("\n---", 1)[0][3:])
    assert blocks
    for block in blocks:
        same_outcome(block)


PIECES = [
    "title: ", "date: ", "tags: ", "social:\n  x:\n    text: ", "\n", "\n  ", "\n- ", "- ", "  - ", '"', "'",
    "\\", "\\n", "\\u00e9", ": ", ":", "#", " # comment", "[", "]", "{", "}", ",", "&a ", "*a", "<<: ", "!!str ",
    "|", ">", "|-\n  ", "---", "...", "%YAML 1.1", "\t", " ", "2026-11-20", "T09:30:00", "+01:00", "Z", "on",
    "yes", "~", "null", "1e3", "0x1F", "0o17", "12:30", "é", "東京", "😀", "\u00a0", "\u2028", "\x85", "\r\n",
    "\ufeff", "?", "@", "`", "!", "%", "27%", " %", "=", "key", "value", "a b",
]


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=30).map("".join))
def test_any_block_reads_as_the_pure_loader_reads_it(block):
    same_outcome(block)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8),
                       st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20)
                                    | st.dates().map(str),
                                    lambda inner: st.lists(inner, max_size=3)
                                    | st.dictionaries(st.text(min_size=1, max_size=5), inner, max_size=3),
                                    max_leaves=8),
                       max_size=6),
       st.sampled_from([None, True, False]))
def test_dumped_front_matter_reads_as_the_pure_loader_reads_it(data, flow):
    import yaml

    same_outcome(yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True))
