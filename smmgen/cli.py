"""The command line: thin commands that parse options, call the library, print and exit."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections import Counter
from pathlib import Path

import click

from .errors import ContentError, ConfigError, ErrorList, SmmgenError


def _site_option(f):
    return click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help="The site folder (holding smmgen.toml). Default: the current folder.")(f)


def _load(site_dir: Path | None):
    from .config import load_site

    return load_site(site_dir or Path.cwd())


def report_errors(errors, *, stream=None) -> None:
    """One ``file:line: message`` line per error; GitHub annotations too when running in Actions."""
    stream = stream or sys.stderr
    flat = []
    for e in errors:
        flat.extend(getattr(e, "errors", [e]))
    for e in flat:
        click.echo(f"error: {e.message}" if not getattr(e, "path", None) else e.message, file=stream)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for e in flat:
            click.echo(github_annotation(e), file=sys.stdout)


def github_annotation(e: SmmgenError, level: str = "error") -> str:
    path = getattr(e, "path", None)
    line = getattr(e, "line", None)
    where = ",".join(p for p in (f"file={path}" if path else "", f"line={line}" if line else "") if p)
    text = (getattr(e, "field", None) or getattr(e, "key", None) or "")
    detail = getattr(e, "detail", e.message)
    message = f"{text}: {detail}" if text else detail
    # Workflow commands treat % CR LF specially: encode them so a message can never inject another command.
    message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{level} {where}::{message}" if where else f"::{level}::{message}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="smmgen")
def main() -> None:
    """smmgen: Markdown articles in, per-platform social posts, cards and a publish manifest out."""


@main.command()
@_site_option
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes for card rendering (default: all cores).")
def build(site_dir: Path | None, workers: int | None) -> None:
    """Build output/: cuts, cards, manifest and preview."""
    from .build import build as run_build, write_output

    site = _load(site_dir)
    result = run_build(site, workers=workers or os.cpu_count() or 1)
    if result.errors:
        report_errors(result.errors)
        raise SmmgenError(f"{len(_flat(result.errors))} error(s); nothing was written")
    changed = write_output(result)
    click.echo(summary(result, changed))


def _flat(errors):
    out = []
    for e in errors:
        out.extend(getattr(e, "errors", [e]))
    return out


def summary(result, changed: int) -> str:
    site = result.site
    per_platform = Counter(c.platform for c in result.cuts)
    out = site.rel(site.output_dir) or "."
    future = sum(1 for a in result.articles if any(
        c.publish_at > dt.datetime.now(dt.timezone.utc) for c in result.cuts if c.source == a.source))
    lines = [
        f"smmgen: built {site.name} -> {out}/",
        f"  articles  {len(result.articles)}"
        + (f" ({len(result.drafts)} draft{'s' * (len(result.drafts) != 1)} skipped)" if result.drafts else ""),
        f"  cuts      {len(result.cuts)}: " + " · ".join(f"{p.name} {per_platform[p.name]}" for p in site.platforms),
        f"  cards     {len(set(c.path for c in result.cards.values()))}",
        f"  scheduled {future} article(s) not yet due",
    ]
    warnings = result.warnings
    lines.append(f"  warnings  {len(warnings)}")
    lines += [f"    {c.source}: {c.platform}: {w}" for c, w in warnings[:10]]
    if len(warnings) > 10:
        lines.append(f"    … and {len(warnings) - 10} more (smmgen check lists all)")
    lines.append(f"  manifest  {out}/manifest.json ({len(result.entries)} entries, {changed} file(s) changed)")
    return "\n".join(lines)


@main.command()
@_site_option
def check(site_dir: Path | None) -> None:
    """Validate config, front matter and every cut against its platform's limits; writes nothing."""
    from .build import build as run_build

    try:
        site = _load(site_dir)
    except SmmgenError as e:
        report_errors([e])
        raise SmmgenError("smmgen.toml is invalid") from None
    result = run_build(site, render_images=False)
    for cut, warning in result.warnings:
        click.echo(f"{cut.source}: warning: {cut.platform}: {warning}", err=True)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            click.echo(github_annotation(ContentError(cut.source, None, cut.platform, warning), "warning"))
    if result.errors:
        report_errors(result.errors)
        raise SmmgenError(f"{len(_flat(result.errors))} error(s)")
    click.echo(f"smmgen: {len(result.articles)} articles, {len(result.cuts)} cuts: all within their limits"
               + (f", {len(result.warnings)} warning(s)" if result.warnings else ""))


@main.command()
@_site_option
@click.argument("title")
@click.option("--slug", default=None, help="URL slug (default: from the title).")
@click.option("--tag", "tags", multiple=True, help="A tag; repeat for more.")
@click.option("--lang", default=None, help="Article language (default: the site's).")
def new(site_dir: Path | None, title: str, slug: str | None, tags: tuple[str, ...], lang: str | None) -> None:
    """Scaffold an article with today's date and the front-matter fields."""
    from .scaffold import new_article

    site = _load(site_dir)
    path = new_article(site, title, slug=slug, tags=tags, lang=lang)
    click.echo(f"created {site.rel(path)}")


# Commands that live with the code they drive; each module lists its click commands in COMMANDS and keeps its
# heavy imports inside the command functions, so `smmgen --help` stays fast.
COMMAND_MODULES = ("preview", "plan", "publish", "diff")


def _register_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"smmgen.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"smmgen.commands.{name}":
                raise
            continue
        for command in module.COMMANDS:
            main.add_command(command)


_register_commands()
