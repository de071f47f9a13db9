"""The walls between the stages, held by tests: what `smmgen build` and `smmgen publish --dry-run` really import
(``python -X importtime`` in a subprocess names every module, workers included), and a static import contract
read from the source (an AST scan of smmgen/, function-level imports included).

- Building (content, cuts, cards, preview) never imports the publisher or ``requests``: a build works offline.
- The publisher reads the manifest and the files it names: it loads no Markdown, text, card or template code.
- click belongs to the CLI (smmgen/cli/main.py, smmgen/cli/, smmgen/__main__.py) only.
- The manifest's modules are leaves: they import nothing of content, platforms, cards, templates or the build
  (the build makes entries in ``smmgen.build.entries``).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "smmgen"

# Made-up credentials, so a dry run opens every adapter the way a real run does (nothing is sent).
CREDENTIALS = {f"SMMGEN_{name}": f"made-up-{name.lower()}" for name in (
    "BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD", "FACEBOOK_PAGE_TOKEN", "INSTAGRAM_TOKEN", "LINKEDIN_TOKEN",
    "MASTODON_TOKEN", "TELEGRAM_BOT_TOKEN", "THREADS_TOKEN", "VK_TOKEN", "X_API_KEY", "X_API_SECRET",
    "X_ACCESS_TOKEN", "X_ACCESS_SECRET", "X_BEARER_TOKEN", "X_TOKEN",
    # the sample site's two named accounts ([accounts.courier-ru], [accounts.courier-sport])
    "TELEGRAM_RU_BOT_TOKEN", "X_SPORT_API_KEY", "X_SPORT_API_SECRET", "X_SPORT_ACCESS_TOKEN",
    "X_SPORT_ACCESS_SECRET")}

# What the publisher must not load: reading articles, measuring and cutting text, cards, templates.
NOT_IN_PUBLISH = ("smmgen.content.article", "smmgen.content.reading", "smmgen.content.front_matter",
                  "smmgen.content.front_matter_schema", "smmgen.content.markup",
                  "smmgen.text.excerpt", "smmgen.text.break_places", "smmgen.text.measure", "smmgen.text.hashtags",
                  "smmgen.text.richtext",
                  "smmgen.cards", "smmgen.preview", "smmgen.build.pipeline",
                  "jinja2", "frontmatter", "markdown", "PIL")
NOT_IN_BUILD = ("smmgen.publish", "requests")

# The modules outside smmgen/publish/ the publisher may import: leaves that read no article and render nothing.
PUBLISH_MAY_IMPORT = {
    "smmgen",                 # __version__
    "smmgen.errors", "smmgen.redact", "smmgen.site_files", "smmgen.output_files", "smmgen.config.schema",
    "smmgen.registry",
    "smmgen.config.accounts",         # which account an entry goes to
    "smmgen.config.publish_settings", # the [publish] settings schema
    "smmgen.plan.expiry",             # delete windows
    "smmgen.manifest_model",  # the manifest model and its strict loader (a leaf: errors, redact)
    "smmgen.manifest_video",  # the video items' checks, beside the model
    "smmgen.manifest_values", # the loader's value checks (a leaf: errors)
    "smmgen.facts",           # platform facts as data
    "smmgen.cards.targets",   # card sizes as data (the doctor checks a Mastodon instance against them)
    "smmgen.text.measure",            # counting rules, loaded by a real post only (a Mastodon instance's own limit)
}
# What would recompute a post at send time: facets and Telegram's HTML are the build's, carried in the manifest.
RECOMPUTING = {"smmgen.text.richtext", "smmgen.content.markup", "smmgen.text.excerpt"}

CLI_FILES = ("smmgen/cli/main.py", "smmgen/__main__.py", "smmgen/cli/")


# ``-X importtime`` times the import statement, not ``importlib.import_module`` (how both registries load a
# platform or an adapter), so the main process also names every module it holds when it exits.
LOADED = "loaded module:"
RUN_SMMGEN = f"""
import atexit, runpy, sys
atexit.register(lambda: sys.stderr.write("".join(f"{LOADED} {{m}}\\n" for m in sorted(sys.modules))))
sys.argv[0] = "smmgen"
runpy.run_module("smmgen", run_name="__main__", alter_sys=True)
"""


def _imported(stderr: str) -> set[str]:
    """The modules named by ``-X importtime`` (lines ``import time: self | cumulative | name``) and by the
    ``loaded module:`` lines."""
    lines = stderr.splitlines()
    return ({line.rsplit("|", 1)[1].strip() for line in lines
             if line.startswith("import time:") and line.count("|") == 2} - {"imported package"}
            | {line.removeprefix(LOADED).strip() for line in lines if line.startswith(LOADED)})


def _run(args: list[str], site: Path) -> set[str]:
    env = {**os.environ, **CREDENTIALS, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", RUN_SMMGEN, *args, "--site", str(site)],
                          capture_output=True, text=True, env=env, cwd=site, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return _imported(done.stderr)


def _under(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """One build and one dry run of a copy of the sample site, with what each imported."""
    import shutil

    site = tmp_path_factory.mktemp("walls") / "site"
    site.mkdir()
    shutil.copy(REPO / "smmgen.toml", site / "smmgen.toml")
    shutil.copytree(REPO / "content", site / "content")
    if (REPO / "layouts").is_dir():
        shutil.copytree(REPO / "layouts", site / "layouts")
    build = _run(["build"], site)
    publish = _run(["publish", "--dry-run", "--no-preflight", "--allow-many"], site)
    return {"build": build, "publish": publish}


def test_the_imports_are_read(runs: dict[str, set[str]]) -> None:
    # The parse finds what each command must load, so an empty set cannot pass the walls below.
    assert {"smmgen.content.reading", "smmgen.cards.render", "jinja2"} <= runs["build"]
    assert {"smmgen.publish.runner", "smmgen.publish.ledger", "requests"} <= runs["publish"]


def test_build_imports_no_requests(runs: dict[str, set[str]]) -> None:
    assert _under(runs["build"], ("requests",)) == []


def test_build_imports_no_publisher(runs: dict[str, set[str]]) -> None:
    assert _under(runs["build"], NOT_IN_BUILD) == []


def test_publish_dry_run_imports_no_build_side(runs: dict[str, set[str]]) -> None:
    assert _under(runs["publish"], NOT_IN_PUBLISH) == []


def test_every_adapter_loads_no_build_side() -> None:
    # A dry run opens no adapter, so they are loaded here: each one, as a real run loads it.
    code = ("import sys\nfrom smmgen.publish import registry\nfor name in registry.names(): registry.module(name)\n"
            f"sys.stderr.write(''.join(f'{LOADED} {{m}}\\n' for m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    modules = _imported(done.stderr)
    assert {"smmgen.publish.bluesky", "smmgen.publish.instagram", "smmgen.publish.telegram"} <= modules
    assert _under(modules, NOT_IN_PUBLISH + ("smmgen.platforms",)) == []


def test_publish_dry_run_loads_platform_specs_but_no_cutting(runs: dict[str, set[str]]) -> None:
    # Reading smmgen.toml checks [platforms.<name>] against each platform's SPEC (its options and limits, data
    # declared at import); the cutting code behind a SPEC loads on the first render, which a publisher never does.
    loaded = _under(runs["publish"], ("smmgen.platforms",))
    specs = {"smmgen.platforms", "smmgen.platforms.base", "smmgen.platforms.registry"} | {
        f"smmgen.platforms.{name}" for name in ("bluesky", "facebook", "instagram", "linkedin", "mastodon",
                                                 "telegram", "threads", "vk", "x")}
    assert set(loaded) <= specs, sorted(set(loaded) - specs)
    cutting = {f"smmgen.platforms.{name}" for name in ("post_links", "text_rules", "composing", "finishing")}
    assert not cutting & set(loaded), sorted(cutting & set(loaded))


# The static contract: every import statement of smmgen/, at any depth of the code.

def _module_of(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """(module, line) of every import in ``path``; ``from . import x`` gives ``package.x``."""
    name = _module_of(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            # ``from pkg import name`` imports the module pkg.name when there is one, else a name of pkg.
            for alias in node.names:
                named = f"{base}.{alias.name}" if base else alias.name
                found.append((named if node.module is None or _known(named) == named else base, node.lineno))
    return found


def _known(module: str) -> str:
    """``module`` cut back to the longest prefix that is a module of smmgen (``smmgen.__version__`` -> smmgen)."""
    parts = module.split(".")
    while len(parts) > 1:
        where = REPO.joinpath(*parts)
        if where.with_suffix(".py").is_file() or (where / "__init__.py").is_file():
            break
        parts.pop()
    return ".".join(parts)


def _all_imports() -> list[tuple[str, str, int]]:
    return [(str(path.relative_to(REPO)), module, line)
            for path in sorted(PACKAGE.rglob("*.py")) for module, line in _imports(path)]


def _in_cli(file: str) -> bool:
    return any(file == f or (f.endswith("/") and file.startswith(f)) for f in CLI_FILES)


def test_publisher_imports_only_leaf_modules_of_the_rest() -> None:
    wrong = sorted(f"{file}:{line}: {module}" for file, module, line in _all_imports()
                   if file.startswith("smmgen/publish/") and module.startswith("smmgen")
                   and not module.startswith("smmgen.publish")
                   and _known(module) not in PUBLISH_MAY_IMPORT)
    assert wrong == []


def test_publisher_computes_no_facets() -> None:
    assert sorted(f"{file}:{line}" for file, module, line in _all_imports()
                  if file.startswith("smmgen/publish/") and _known(module) in RECOMPUTING) == []
    sources = {p.name: p.read_text() for p in (REPO / "smmgen" / "publish").rglob("*.py")}
    assert [name for name, text in sources.items() if "detect_facets" in text or "html.escape(" in text] == []


def test_build_side_never_imports_requests() -> None:
    wrong = sorted(f"{file}:{line}: {module}" for file, module, line in _all_imports()
                   if not file.startswith("smmgen/publish/") and not _in_cli(file)
                   and module.split(".")[0] == "requests")
    assert wrong == []


def test_build_side_never_imports_the_publisher() -> None:
    wrong = sorted(f"{file}:{line}: {module}" for file, module, line in _all_imports()
                   if not file.startswith("smmgen/publish/") and not _in_cli(file)
                   and (module == "smmgen.publish" or module.startswith("smmgen.publish.")))
    assert wrong == []


def test_click_only_in_the_cli() -> None:
    wrong = sorted(f"{file}:{line}" for file, module, line in _all_imports()
                   if module.split(".")[0] == "click" and not _in_cli(file))
    assert wrong == []


# The manifest's modules (its layout, model and loader, however they are split) are leaves both sides read: they
# know nothing of articles, platforms, cards, templates or how the build makes an entry (``smmgen.build.entries``).
NOT_IN_MANIFEST = ("smmgen.content", "smmgen.platforms", "smmgen.cards", "smmgen.build", "smmgen.text",
                   "smmgen.preview", "smmgen.video", "smmgen.plan", "smmgen.publish", "jinja2", "frontmatter",
                   "markdown", "PIL")


def _is_manifest_module(file: str) -> bool:
    return file.startswith("smmgen/manifest")      # manifest.py, manifest_model.py ... or a manifest/ package


def test_manifest_modules_import_no_build_side() -> None:
    files = {file for file, _, _ in _all_imports() if _is_manifest_module(file)}
    assert {"smmgen/manifest.py", "smmgen/manifest_model.py"} <= files
    wrong = sorted(f"{file}:{line}: {module}" for file, module, line in _all_imports()
                   if _is_manifest_module(file) and _under({module}, NOT_IN_MANIFEST))
    assert wrong == []


def test_loading_the_manifest_modules_loads_no_build_side() -> None:
    names = sorted(_module_of(PACKAGE.parent / p) for p in {file for file, _, _ in _all_imports()
                                                            if _is_manifest_module(file)})
    code = f"import sys; import {', '.join(names)}; print('\\n'.join(sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert _under(set(run.stdout.split()), NOT_IN_MANIFEST) == []
