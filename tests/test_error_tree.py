"""The error tree: every error pickles to an equal one, the library knows nothing of click, and a build's
worker processes hand failures back as values (a failing article is parsed and cut once)."""

from __future__ import annotations

import ast
import importlib
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from smmgen import errors as e

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "smmgen"
# The command line: the only modules that may import click.
CLI = ("cli", "__main__.py")


def _samples() -> list[e.SmmgenError]:
    import smmgen.cli.main  # noqa: F401 - the commands load through it, as the program loads them
    from smmgen.build.children import WorkersLost
    from smmgen.cards.hero import HeroError
    from smmgen.cards.text import BoxTooSmall, MissingGlyph
    from smmgen.cli.doctor import NotChecked
    from smmgen.publish.base import MaybeDone
    from smmgen.publish.runner import CouldNotTell
    from smmgen.publish.vk import VkError

    content = e.ContentError("content/2026/budget.md", 4, "social.publish_at", 'not a date: "tomorrow-ish"')
    return [
        e.SmmgenError("3 error(s)"),
        e.ConfigError("smmgen.toml", "platforms.x.handle", "not a handle", line=7),
        e.ConfigError("layouts/x.txt.j2", None, "template error: boom"),
        content,
        e.Errors([content, e.ConfigError("smmgen.toml", "site.name", "missing"), e.Errors([content])]),
        e.PublishError("mastodon", "refused", entry_id="budget@mastodon", status=422),
        e.PublishError("x", "odd", transient=True),
        e.AuthError("bluesky", "bad app password", status=401),
        e.RateLimited("x", "slow down", retry_after=12.5, entry_id="a@x", status=429),
        e.TransientError("telegram", "timed out"),
        MaybeDone("threads", "no answer", entry_id="a@threads"),
        VkError("captcha needed", code=14, entry_id="a@vk"),
        CouldNotTell("no answer; the platform could not be asked"),
        MissingGlyph("\U0001fae8"),
        BoxTooSmall("the box holds no line at 12 px"),
        HeroError("image not found: static/x.jpg"),
        NotChecked("2 of 3 accounts could not be checked"),
        WorkersLost("a worker process ended (killed by signal 9) while running _run_group"),
    ]


def _homes() -> set[str]:
    """The modules that define a class of the tree, found in the source: a class whose base is one."""
    classes = {p: [n for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))) if isinstance(n, ast.ClassDef)]
               for p in PACKAGE.rglob("*.py")}
    names = {"SmmgenError"}
    while True:
        found = {(c.name, p) for p, defs in classes.items() for c in defs
                 if any(getattr(b, "id", None) in names or getattr(b, "attr", None) in names for b in c.bases)}
        if {name for name, _ in found} <= names:
            return {".".join(p.relative_to(REPO).with_suffix("").parts) for _, p in found}
        names |= {name for name, _ in found}


def _tree() -> set[type]:
    importlib.import_module("smmgen.cli.main")      # the commands load through it, as the program loads them
    for name in sorted(_homes()):
        importlib.import_module(name)
    found: set[type] = set()
    todo = [e.SmmgenError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_class_pickles_to_an_equal_error() -> None:
    samples = _samples()
    assert _tree() <= {type(s) for s in samples}, "an error class without a sample here"
    for error in samples:
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error)
        assert back == error and back.__dict__ == error.__dict__
        assert str(back) == str(error) == error.message and back.args == (error.message,)
    assert e.ContentError("a.md", 1, "x", "y") != e.ContentError("a.md", 2, "x", "y")


def test_errors_flatten_to_single_errors() -> None:
    one, two = e.ContentError("a.md", 1, "title", "empty"), e.ConfigError("smmgen.toml", "site", "missing")
    nested = e.Errors([one, e.Errors([two])])
    assert nested.errors == [one, two]
    assert e.flatten([nested, one]) == [one, two, one]
    assert nested.message == f"{one.message}\n{two.message}"


def _imports_click(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "click" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "click":
            return True
    return False


def test_no_library_module_imports_click() -> None:
    library = [p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in CLI]
    assert len(library) > 50
    assert [str(p.relative_to(REPO)) for p in library if _imports_click(p)] == []
    assert _imports_click(PACKAGE / "cli" / "main.py")   # the check sees an import where there is one


def test_a_library_error_ends_a_command_with_its_message_and_exit_code() -> None:
    from smmgen.cli.doctor import NotChecked
    from smmgen.cli.main import click_error

    shown = click_error(e.ConfigError("smmgen.toml", "site.name", "missing", line=2))
    assert (shown.message, shown.exit_code) == ("smmgen.toml:2: site.name: missing", 1)
    assert click_error(NotChecked("not every account was checked")).exit_code == 3


# A build in a subprocess, every process of which (the workers too) logs each article it parses or cuts.
COUNTER = '''
import os

if os.environ.get("PARSE_LOG"):
    def _logged(name, module, real):
        def logged(article_or_path, *args, **kwargs):
            path = getattr(article_or_path, "source", article_or_path)
            with open(os.environ["PARSE_LOG"], "a", encoding="utf-8") as log:
                log.write(f"{name} {os.path.basename(str(path))}\\n")
            return real(article_or_path, *args, **kwargs)
        setattr(module, real.__name__, logged)

    import smmgen.content.reading
    _logged("parse", smmgen.content.reading, smmgen.content.reading.load_article)
    import smmgen.build.pipeline                 # after: it takes load_article from smmgen.content.reading as it loads
    _logged("cut", smmgen.build.pipeline, smmgen.build.pipeline.cut_article)
'''


def _article(n: int) -> str:
    return textwrap.dedent(f"""\
        ---
        title: Story number {n}
        date: 2026-03-{n + 1:02d}T08:00:00+01:00
        ---
        The body of story {n}, long enough to cut.
        """)


def test_a_failing_article_is_parsed_and_cut_once_with_worker_processes(make_site, tmp_path: Path) -> None:
    for n in range(20):            # enough articles for the build to start worker processes
        make_site.article(f"story-{n:02d}.md", _article(n))
    make_site.article("broken.md", _article(21).replace("2026-03-22T08:00:00+01:00", "tomorrow-ish"))
    make_site.article("uncuttable.md", _article(22))
    layouts = make_site.root / "layouts"
    layouts.mkdir()
    (layouts / "mastodon.txt.j2").write_text(
        '{% if article.title == "Story number 22" %}{{ article.nothing.deeper }}{% endif %}{{ article.title }}\n',
        encoding="utf-8")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(COUNTER, encoding="utf-8")
    log = tmp_path / "parses.log"
    env = {**os.environ, "PARSE_LOG": str(log),
           "PYTHONPATH": os.pathsep.join([str(hook), str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "smmgen", "build", "--workers", "2", "--no-cache",
                           "--site", str(make_site.root)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "content/broken.md:3: date: not a date" in done.stderr
    assert "template error" in done.stderr and "Error: 2 error(s); nothing was written" in done.stderr
    assert "Traceback" not in done.stderr
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines.count("parse broken.md") == 1
    assert lines.count("parse uncuttable.md") == 1 and lines.count("cut uncuttable.md") == 1
    assert lines.count("parse story-00.md") == 1          # the pool did run: a sound article, read once too



def test_card_failures_come_back_from_worker_processes_as_the_same_errors(tmp_path: Path) -> None:
    from smmgen.cards import DEFAULT_LAYOUT_DIR, CardRequest, render_cards

    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff not a jpeg")

    def request(n: int, hero: Path | None) -> CardRequest:
        return CardRequest(target="og", layout="photo" if hero else "default", title=f"Story {n}",
                           site_name="The Example", kicker="", date_text="", lang="en", hero=hero, focus=None,
                           alt="", source=f"content/{n}.md", line=3)

    requests = [request(0, tmp_path / "missing.jpg"), request(1, corrupt), request(2, None), request(3, None)]
    raised = []
    for workers in (1, 2):
        with pytest.raises(e.Errors) as caught:
            render_cards(requests, layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=tmp_path / str(workers),
                         workers=workers)
        raised.append(caught.value)
    assert raised[0] == raised[1]
    assert [(type(x), x.path, x.line, x.field) for x in raised[1].errors] == \
        [(e.ContentError, "content/0.md", 3, "image"), (e.ContentError, "content/1.md", 3, "image")]
