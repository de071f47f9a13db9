"""Inputs that once gave a traceback, or an error on the wrong line, give one ``file:line: field: message``
line and exit 1, through the real program: impossible dates, years and durations past what datetime holds,
nesting a parser recurses on, duplicate YAML keys, TOML errors, output/ that cannot be written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEAD = "---\ntitle: A fine article\ndate: 2026-03-01T09:00:00+01:00\n"
BODY = "---\n\nA body that is long enough to be cut into a post.\n"


def smmgen(site: Path, *args: str, actions: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("GITHUB_ACTIONS", None)
    if actions:
        env["GITHUB_ACTIONS"] = "true"
    return subprocess.run([sys.executable, "-m", "smmgen", *args, "--site", str(site)], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, env=env, timeout=120)


def one_error(site: Path, expected: str, *, command: str = "build") -> subprocess.CompletedProcess:
    proc = smmgen(site, command)
    assert proc.returncode == 1, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert expected in proc.stderr, proc.stderr[-3000:]
    return proc


@pytest.mark.parametrize("front, expected", [
    ("title: A\ndate: 2026-02-30\n", 'content/a.md:3: date: not a date: "2026-02-30"'),
    ("title: A\ndate: 2026-02-30T10:00:00+01:00\n", 'content/a.md:3: date: not a date: "2026-02-30T10:00:00+01:00"'),
    ("title: A\ndate: 2026-01-30T10:00:00+25:00\n", "content/a.md:3: date: not a date"),
    ("title: A\ndate: 0001-01-01\n", "content/a.md:3: date: 0001-01-01T00:00:00 is not between the years"),
    ("title: A\ndate: 9999-12-31T23:59:59-05:00\n", "content/a.md:3: date: 9999-12-31T23:59:59-05:00 is not"),
    ("title: A\ndate: 2026-01-01\nsocial:\n  expire_after: 9999999d\n",
     'content/a.md:5: social.expire_after: "9999999d" is longer than 100 years'),
    ("title: A\ndate: 2026-01-01\nsocial:\n  mastodon:\n    expire_after: 99999999999999999999999999w\n",
     "content/a.md:6: social.mastodon.expire_after: "),
    ("title: A\ndate: 2026-01-01\nsocial:\n  publish_at: 9999-12-01\n  expire_after: 60d\n",
     "content/a.md:5: social.publish_at: 9999-12-01T00:00:00 is not between the years"),
])
def test_impossible_dates_and_durations(make_site, front: str, expected: str) -> None:
    make_site.article("a.md", "---\n" + front + BODY)
    proc = one_error(make_site.root, expected)
    assert len([line for line in proc.stderr.splitlines() if line.startswith("content/")]) == 1


def test_an_impossible_date_is_annotated_in_actions(make_site) -> None:
    make_site.article("a.md", "---\ntitle: A\ndate: 2026-02-30\n" + BODY)
    proc = smmgen(make_site.root, "build", actions=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "::error file=content/a.md,line=3::date: not a date" in proc.stdout


def test_toml_front_matter_errors_give_their_line(make_site) -> None:
    make_site.article("a.md", '+++\ntitle = "A"\ndate = 2026-03-01\n\nbroken = \n+++\nbody\n')
    one_error(make_site.root, "content/a.md:5: broken: front matter is not valid TOML: Invalid value")
    make_site.article("a.md", '+++\ntitle = "A"\ndate = 2026-02-30\n+++\nbody\n')
    one_error(make_site.root, "content/a.md:3: date: front matter is not valid TOML: Invalid date or datetime")


def test_config_errors_give_their_line(make_site) -> None:
    config = make_site.root / "smmgen.toml"
    config.write_text(config.read_text() + "\n[utm]\nenabled = tru\n")
    one_error(make_site.root, "smmgen.toml:10: utm.enabled: not valid TOML: Invalid value")


@pytest.mark.parametrize("front, expected", [
    ("title: A\ndate: 2026-03-01\ntitle: B\n", 'content/a.md:4: front matter is not valid YAML: duplicate key '
                                              '"title": also on line 2'),
    ("title: A\ndate: 2026-03-01\nsocial:\n  mastodon:\n    text: one\n    hashtags: false\n    text: two\n",
     'content/a.md:8: front matter is not valid YAML: duplicate key "text": also on line 6'),
    ("title: A\ndate: 2026-03-01\ntags: {a: 1, a: 2}\n", 'content/a.md:4: front matter is not valid YAML: '
                                                        'duplicate key "a": also on line 4'),
])
def test_duplicate_yaml_keys_are_errors_naming_both_lines(make_site, front: str, expected: str) -> None:
    make_site.article("a.md", "---\n" + front + BODY)
    one_error(make_site.root, expected)


def test_merge_keys_may_still_be_overridden(make_site) -> None:
    make_site.article("a.md", "---\ntitle: A\ndate: 2026-03-01\nparams:\n  base: &b {x: 1}\n  more:\n"
                              "    <<: *b\n    x: 2\n" + BODY)
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 0, proc.stderr


DEEP = 5000


@pytest.mark.parametrize("text, expected", [
    ("---\ntitle: A\ndate: 2026-03-01\nparams: " + "[" * DEEP + "]" * DEEP + "\n" + BODY,
     "content/a.md:4: front matter is nested more than 100 levels deep"),
    ("---\ntitle: A\ndate: 2026-03-01\nparams: " + "[" * 200_000 + "\n" + BODY,     # libyaml crashed the process
     "content/a.md:4: front matter is nested more than 100 levels deep"),
    ("---\ntitle: A\ndate: 2026-03-01\nparams:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 1500))
     + BODY, "front matter is nested more than 100 levels deep"),
    ("+++\ntitle = 'A'\ndate = 2026-03-01\nparams = " + "[" * DEEP + "]" * DEEP + "\n+++\nbody\n",
     "content/a.md:4: params: front matter is not valid TOML: nested more than 100 levels deep"),
    ("+++\ntitle = 'A'\ndate = 2026-03-01\nparams = " + "{a=" * DEEP + "1" + "}" * DEEP + "\n+++\nbody\n",
     "content/a.md:4: params: front matter is not valid TOML: nested more than 100 levels deep"),
], ids=["yaml-flow", "yaml-unclosed", "yaml-block", "toml-arrays", "toml-tables"])
def test_deep_nesting_in_front_matter(make_site, text: str, expected: str) -> None:
    make_site.article("a.md", text)
    one_error(make_site.root, expected)


def test_deep_nesting_in_the_config(make_site) -> None:
    config = make_site.root / "smmgen.toml"
    config.write_text(config.read_text() + "\n[utm]\nhosts = " + "[" * DEEP + "]" * DEEP + "\n")
    one_error(make_site.root, "smmgen.toml:10: utm.hosts: not valid TOML: nested more than 100 levels deep")


def test_output_being_a_file(make_site) -> None:
    make_site.article("a.md", HEAD + BODY)
    (make_site.root / "output").write_text("not a folder")
    one_error(make_site.root, "output: is a file, not a folder")


@pytest.mark.parametrize("command", ["build", "preview"])
def test_a_file_where_output_needs_a_folder(make_site, command: str) -> None:
    make_site.article("a.md", HEAD + BODY)
    (make_site.root / "output").mkdir()
    (make_site.root / "output" / "cards").write_text("not a folder")
    one_error(make_site.root, "output/cards: is a file where smmgen needs a folder", command=command)


def _immutable(folder: Path) -> bool:
    """chattr +i: the one way to make a folder unwritable for root (tests run as root)."""
    return subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0


def test_output_that_cannot_be_written(make_site) -> None:
    make_site.article("a.md", HEAD + BODY)
    preview = make_site.root / "output" / "preview"
    preview.mkdir(parents=True)
    if not _immutable(preview):
        pytest.skip("chattr +i is not available here")
    try:
        one_error(make_site.root, "output/preview: cannot write: Operation not permitted")
    finally:
        subprocess.run(["chattr", "-i", str(preview)], check=True)


@pytest.mark.parametrize("body, expected", [
    ("Text with a \x00 NUL.\n", "content/a.md:8: U+0000 (NUL) at column 13"),
    ("Red \x1b[31malert\x1b[0m and more.\n", "content/a.md:8: U+001B (escape) at column 5: an invisible character "
                                           "that does not belong in text; remove it (1 more in the file)"),
    ("A line\rwith a lone carriage return.\n", "content/a.md:8: U+000D (carriage return) at column 7"),
    ("Mis-decoded \x85 next line.\n", "content/a.md:8: U+0085 (next line) at column 13"),
    ("A noncharacter \uffff here.\n", "content/a.md:8: U+FFFF (a noncharacter) at column 16"),
], ids=["nul", "escape", "lone-cr", "c1", "noncharacter"])
def test_control_characters_in_the_body_are_refused_with_their_line(make_site, body: str, expected: str) -> None:
    make_site.article("a.md", HEAD + "---\n\nFirst paragraph.\n\n" + body)
    one_error(make_site.root, expected)
    assert not (make_site.root / "output" / "manifest.json").exists()


@pytest.mark.parametrize("text, expected", [
    ('+++\ntitle = "A\\u0000"\ndate = 2026-03-01\n+++\nbody\n', "content/a.md:2: title: contains U+0000 (NUL)"),
    ('---\ntitle: A\ndate: 2026-03-01\nsummary: "x\\ud800"\n---\nbody\n',
     "content/a.md:4: summary: contains U+D800 (a lone surrogate)"),
    ('---\ntitle: A\ndate: 2026-03-01\nsocial:\n  mastodon:\n    text: "x\\ey"\n---\nbody\n',
     "content/a.md:6: social.mastodon.text: contains U+001B (escape)"),
], ids=["toml-escape", "yaml-surrogate", "yaml-escape"])
def test_control_characters_made_by_escapes_are_refused(make_site, text: str, expected: str) -> None:
    make_site.article("a.md", text)
    one_error(make_site.root, expected)


def test_control_characters_in_the_config_are_refused(make_site) -> None:
    config = make_site.root / "smmgen.toml"
    config.write_text(config.read_text().replace('name = "Test Desk"', 'name = "Test\\u0007Desk"'))
    one_error(make_site.root, "smmgen.toml:2: site.name: contains U+0007 (BEL)")


def test_bidi_controls_and_joiners_are_kept(make_site) -> None:
    kept = "\u202bעברית\u202c, \u2067عربي\u2069, family \U0001F468\u200d\U0001F469\u200d\U0001F467 and a\ttab"
    make_site.article("a.md", HEAD + "---\n\n" + kept + ".\n")
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 0, proc.stderr
    cuts = [p.read_text(encoding="utf-8") for p in (make_site.root / "output" / "cuts").rglob("*.txt")]
    assert any("\u202bעברית\u202c" in c and "\u200d" in c for c in cuts)


@pytest.mark.parametrize("template, expected", [
    ("mastodon.txt.j2", "layouts/mastodon.txt.j2:2: template error: ZeroDivisionError: division by zero"),
    # (Jinja misplaces the line of an error raised while the index's macros are read: the file is what counts.)
    ("preview/index.html.j2", "preview template error: ZeroDivisionError: division by zero"),
])
def test_a_template_that_raises_is_an_error_naming_its_line(make_site, template: str, expected: str) -> None:
    make_site.article("a.md", HEAD + BODY)
    path = make_site.root / "layouts" / template
    path.parent.mkdir(parents=True)
    path.write_text("{{ site_name | default('') }}\n{{ 1 / 0 }}\n")
    proc = one_error(make_site.root, expected)
    assert proc.stderr.startswith(f"Error: layouts/{template}:") or proc.stderr.startswith(f"layouts/{template}:")


def test_aliases_of_aliases_are_read_in_bounded_time(make_site) -> None:
    # Nine aliases of nine aliases, eight deep: 43 million mappings if each alias were walked again.
    levels = ["  l0: &l0 {a: 1, b: 2}"] + [
        f"  l{i}: &l{i} {{" + ", ".join(f"k{j}: *l{i - 1}" for j in range(9)) + "}" for i in range(1, 9)]
    make_site.article("a.md", HEAD + "params:\n" + "\n".join(levels) + "\n" + BODY)
    proc = smmgen(make_site.root, "check")
    assert proc.returncode == 0, proc.stderr
