"""Several sites in one repository: a root smmgen.toml that lists them instead of being a site itself.

```toml
[workspace]
sites = ["sites/*", "docs-site"]      # globs relative to this folder, each matching folders with a smmgen.toml
```

Every site keeps its own smmgen.toml, output/, ledger and lock; commands run at the root run once per site, in
the order of their folder names. Only folders inside the root are sites: a pattern that climbs out of it (``..``,
an absolute path) or a folder that is a link to somewhere outside is refused rather than skipped, as a site
that silently drops out of a publishing run would be. A site may not itself be a workspace.

The library side only: which sites there are, which one a name means, and the combined preview index. The
loop that runs a command per site is the CLI's (``smmgen.cli.per_site``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smmgen.config import schema as s
from smmgen.config.lines import nearest_line, toml_key_lines
from smmgen.config.site import CONFIG_NAME, find_root
from smmgen.config.toml_text import toml_loads
from smmgen.errors import ConfigError, ErrorList
from smmgen.site_files import inside


def _pattern(value: Any) -> str:
    text = s.nonempty_string(value).strip().rstrip("/")
    if os.path.isabs(text) or text.startswith("~") or ".." in text.replace("\\", "/").split("/"):
        raise s.Invalid(f"a folder pattern inside the workspace, relative to it (e.g. \"sites/*\"), got "
                        f"{s.shown(value)}")
    return text or "."


WORKSPACE_SCHEMA = {
    "sites": s.Field(s.list_of(_pattern), required=True,
                     doc='Folders holding a site\'s smmgen.toml: globs relative to the workspace, e.g. "sites/*".'),
    "output_dir": s.Field(s.nonempty_string, default="output",
                          doc="Where the combined preview index (index.html) is written."),
}
TOP_SCHEMA = {"workspace": s.Field(s.table(WORKSPACE_SCHEMA), required=True)}


@dataclass(frozen=True)
class Workspace:
    root: Path                      # resolved
    sites: tuple[Path, ...]         # resolved site folders, sorted by name
    output_dir: Path

    def name(self, site: Path) -> str:
        """How a site is shown: its folder relative to the workspace, e.g. ``sites/courier``."""
        return site.relative_to(self.root).as_posix()

    def names(self) -> list[str]:
        return [self.name(site) for site in self.sites]

    def pick(self, wanted: str, cwd: Path) -> list[Path]:
        """The sites ``--site wanted`` means: one site by folder name (``courier``), by its name in the workspace
        (``sites/courier``) or by path; the workspace root itself means all of them."""
        folder = Path(os.path.realpath(cwd / wanted))
        if folder == self.root:
            return list(self.sites)
        plain = wanted.strip().rstrip("/")
        found = ([site for site in self.sites if site == folder or self.name(site) == plain]
                 or [site for site in self.sites if site.name == plain])
        if len(found) == 1:
            return found
        listed = ", ".join(self.names())
        if found:
            raise ConfigError("--site", None, f"{wanted!r} names {len(found)} sites ({', '.join(map(self.name, found))}); "
                              "give its folder relative to the workspace")
        raise ConfigError("--site", None, f"no site {wanted!r} in the workspace {CONFIG_NAME} (its sites: {listed})")


def read_workspace(root: Path) -> Workspace | None:
    """The workspace whose smmgen.toml is in ``root``, or None when that file is a site's (or is not there, or
    does not parse: loading it as a site reports why)."""
    root = Path(os.path.realpath(root))
    path = root / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    data, _, _ = toml_loads(text)
    if not isinstance(data, dict) or "workspace" not in data:
        return None
    lines = toml_key_lines(text)
    result = s.validate(data, TOP_SCHEMA)
    if result.problems:
        raise ErrorList([s.config_error(CONFIG_NAME, lines, p.key, p.message)
                         for p in result.problems])
    values = result.values["workspace"]
    sites, problems = _sites(root, values["sites"])
    if not sites and not problems:
        problems.append("lists no site: name the folders holding each site's smmgen.toml, e.g. "
                        'sites = ["sites/*"]')
    if problems:
        line = nearest_line(lines, "workspace.sites")
        raise ErrorList([ConfigError(CONFIG_NAME, "workspace.sites", p, line=line) for p in problems])
    output = root / values["output_dir"]
    if inside(output, root) is None:
        raise ConfigError(CONFIG_NAME, "workspace.output_dir", f"{values['output_dir']!r} is outside the workspace",
                          line=nearest_line(lines, "workspace.output_dir"))
    return Workspace(root, sites, output)


def _sites(root: Path, patterns: Iterable[str]) -> tuple[tuple[Path, ...], list[str]]:
    """The site folders the patterns match, resolved, sorted and deduplicated, and what is wrong with them."""
    found: dict[Path, None] = {}
    problems: list[str] = []
    for pattern in patterns:
        try:
            matched = sorted(root.glob(pattern)) if pattern != "." else [root]
        except ValueError as e:         # e.g. "**" inside a name: pathlib refuses the pattern
            problems.append(f"{pattern!r}: not a usable pattern ({e})")
            continue
        folders = [m for m in matched if (m / CONFIG_NAME).is_file()]
        if not folders:
            problems.append(f"{pattern!r} matches no folder holding a {CONFIG_NAME}")
        for folder in folders:
            shown = folder.relative_to(root).as_posix() if folder != root else "."
            real = inside(folder, root)
            if real is None:
                problems.append(f"{shown}: a link to a folder outside the workspace; refused")
            elif real == root:
                problems.append(f"{shown}: the workspace itself cannot be one of its sites")
            elif "workspace" in _table(real):
                problems.append(f"{shown}: a site of a workspace cannot itself be a workspace ([workspace] "
                                f"in {shown}/{CONFIG_NAME})")
            else:
                found[real] = None
    sites = tuple(sorted(found, key=lambda p: p.relative_to(root).as_posix()))
    # A ledger names its site by base_url: two sites with one base_url could each take the other's ledger.
    owners: dict[str, Path] = {}
    for site in sites:
        url = (_table(site).get("site") or {}).get("base_url")
        if not isinstance(url, str) or not url.strip():
            continue
        other = owners.setdefault(url.strip().rstrip("/"), site)
        if other != site:
            problems.append(f"{other.relative_to(root).as_posix()} and {site.relative_to(root).as_posix()} have "
                            f"the same [site] base_url ({url.strip()}); each site's ledger is told from the "
                            "others' by it, so give every site its own")
    return sites, problems


def _table(folder: Path) -> dict[str, Any]:
    """``folder``'s smmgen.toml as TOML, unchecked ({} when it does not parse: loading it reports why)."""
    try:
        data, _, _ = toml_loads((folder / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}



@dataclass(frozen=True)
class Selection:
    """The sites a command runs for: ``workspace`` None means one ordinary site (as before workspaces)."""

    workspace: Workspace | None
    sites: tuple[Path, ...]


def select(site_dir: Path | str | None, cwd: Path) -> Selection:
    """What ``--site`` (or none) means from ``cwd``.

    In a workspace (its smmgen.toml found from ``cwd`` upwards) ``--site`` names one of its sites, and none means
    all of them. Elsewhere ``--site`` is a folder: a workspace's root (all its sites) or a site's, and none means
    the site found from ``cwd`` upwards. Inside a site folder of a workspace only that site is meant.
    """
    around = read_workspace(find_root(cwd))
    if around is not None and site_dir is not None:
        folder = Path(os.path.realpath(cwd / site_dir))
        if (folder / CONFIG_NAME).is_file() and not folder.is_relative_to(around.root):
            around = None               # a site elsewhere, named by its folder as before workspaces
    if around is not None:
        return Selection(around, tuple(around.sites if site_dir is None else around.pick(str(site_dir), cwd)))
    if site_dir is None:
        return Selection(None, (find_root(cwd),))
    folder = cwd / site_dir
    named = read_workspace(folder) if (folder / CONFIG_NAME).is_file() else None
    if named is not None:
        return Selection(named, named.sites)
    return Selection(None, (Path(site_dir),))


# --- the combined preview index ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SiteCounts:
    """One site's line in the combined index."""

    name: str                       # e.g. "sites/courier"
    title: str | None               # the site's [site] name, None when its config did not load
    preview: Path | None            # its output/preview/index.html, None when nothing was written
    posts: int = 0
    warnings: int = 0
    errors: int = 0


STYLE = ("body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:52rem;padding:0 1rem;color:#1b1f24}"
         "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .6rem;"
         "border-bottom:1px solid #d0d7de}td.n{text-align:right;font-variant-numeric:tabular-nums}"
         ".bad{color:#b42318;font-weight:600}")


def index_html(workspace: Workspace, counts: Iterable[SiteCounts],
               link: Callable[[SiteCounts], str | None] | None = None) -> bytes:
    """The combined preview index: one row per site linking its preview. Only the counts and the site folders
    go in (no time, no absolute path), so the same builds give the same bytes. ``link`` gives a row's address
    (default: its preview's, relative to the index; none without a preview)."""
    if link is None:
        def link(row: SiteCounts) -> str | None:
            if row.preview is None:
                return None
            return Path(os.path.relpath(row.preview, workspace.output_dir)).as_posix()
    style_hash = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
    rows = []
    for c in sorted(counts, key=lambda c: c.name):
        label = html.escape(c.name) + (f" <small>({html.escape(c.title)})</small>" if c.title else "")
        href = link(c)
        if href is not None:
            label = f'<a href="{html.escape(href)}">{label}</a>'
        errors = f'<td class="n bad">{c.errors}</td>' if c.errors else f'<td class="n">{c.errors}</td>'
        rows.append(f'<tr><td>{label}</td><td class="n">{c.posts}</td><td class="n">{c.warnings}</td>{errors}</tr>')
    page = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-{style_hash}'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Social preview: every site</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<h1>Social preview: every site</h1>",
        "<table>",
        "<thead><tr><th>Site</th><th>Posts</th><th>Warnings</th><th>Errors</th></tr></thead>",
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        "</body>",
        "</html>",
    ]
    return ("\n".join(page) + "\n").encode("utf-8")


def write_index(workspace: Workspace, counts: Iterable[SiteCounts]) -> Path:
    """Write ``index.html`` into the workspace's output folder (only when its bytes change)."""
    path = workspace.output_dir / "index.html"
    data = index_html(workspace, counts)
    try:
        if path.read_bytes() == data:
            return path
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return path


def site_paths(folder: Path) -> dict[str, Path]:
    """A site's folder, ledger, build cache and cards folder, as its smmgen.toml sets them; the defaults when
    it does not load (whatever reads them then reports why)."""
    from smmgen.build.cache import CACHE_DIR
    from smmgen.config.site import load_site
    from smmgen.errors import SmmgenError

    try:
        site = load_site(folder)
    except SmmgenError:
        return {"folder": folder, "ledger": folder / ".smmgen" / "ledger.json", "cache": folder / CACHE_DIR,
                "cards": folder / "output" / "cards"}
    ledger = (site.publish or {}).get("ledger") or ".smmgen/ledger.json"
    return {"folder": folder, "ledger": folder / ledger, "cache": folder / CACHE_DIR,
            "cards": site.output_dir / "cards"}
