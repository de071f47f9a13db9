"""The command line: thin commands that parse options, call the library, print and exit."""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
from pathlib import Path

import click

from smmgen.cli.per_site import per_site, record
from smmgen.errors import ContentError, SmmgenError, flatten


def _site_option(f):
    return click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help="The site folder (holding smmgen.toml). Default: the current folder or the "
                             "nearest one above it that holds smmgen.toml. In a workspace: the site to run for, "
                             "by folder name or path (default: every site).")(f)


def _site_root(site_dir: Path | None) -> Path:
    """The folder --site names, else the one smmgen.toml is found in from the current folder upwards."""
    from smmgen.config.site import find_root

    return site_dir.resolve() if site_dir else find_root(Path.cwd())


def _load(site_dir: Path | None):
    from smmgen.config.site import load_site

    return load_site(_site_root(site_dir))


def report_errors(errors, *, stream=None) -> None:
    """One ``file:line: message`` line per error; GitHub annotations too when running in Actions."""
    stream = stream or sys.stderr
    flat = flatten(errors)
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


def click_error(e: SmmgenError) -> click.ClickException:
    """The one place a library error becomes what a command shows: ``Error: <its one-line message>`` on
    stderr and its exit status (1, or the class's own ``exit_code``). Every command, and each site of a
    workspace run (``commands.per_site``), ends through this."""
    error = click.ClickException(e.message)
    error.exit_code = e.exit_code
    return error


class _Commands(click.Group):
    """The ``smmgen`` group: a command that raises an ``SmmgenError`` ends as ``click_error`` says."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SmmgenError as e:
            raise click_error(e) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="smmgen")
def main() -> None:
    """smmgen: Markdown articles in, per-platform social posts, cards and a publish manifest out."""


@main.command()
@_site_option
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes for parsing, cutting and card rendering (default: all cores).")
@click.option("--no-cache", is_flag=True, default=False,
              help="Build everything from scratch, ignoring and not updating .smmgen/cache/.")
@click.option("--shard", "shard", default=None, metavar="I/N", callback=lambda ctx, param, value: _shard(value),
              help="Draw only share I of N of the cards into .smmgen/staging/cards/ and write nothing to output/ "
                   "(one job of a CI matrix); a plain build after all N shards finds every card done.")
@per_site()
def build(site_dir: Path | None, workers: int | None, no_cache: bool, shard: tuple[int, int] | None) -> None:
    """Build output/: cuts, cards, manifest and preview."""
    from smmgen.build.incremental import build_site

    if shard is not None:
        _build_shard(site_dir, workers, shard)
        return

    # A build holds every article and cut of the site, few of them in reference cycles: with the default
    # thresholds the collector walks them all again and again (a fifth of an incremental build's time).
    gc.set_threshold(100_000, 50, 100)
    from smmgen.cli.progress import ProgressLine

    site = _load(site_dir)
    with ProgressLine() as progress:
        outcome = build_site(site, workers=workers or os.cpu_count() or 1, use_cache=not no_cache,
                             progress=progress)
    if outcome.errors:
        record(site, posts=0, warnings=0, errors=len(flatten(outcome.errors)))
        report_errors(outcome.errors)
        raise SmmgenError(f"{len(flatten(outcome.errors))} error(s); nothing was written")
    record(site, posts=outcome.summary.entries, warnings=len(outcome.summary.warnings), errors=0)
    click.echo(summary(outcome.summary, outcome.changed))


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    from smmgen.build.shard import parse_shard

    try:
        return parse_shard(value)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--shard") from None


def _build_shard(site_dir: Path | None, workers: int | None, shard: tuple[int, int]) -> None:
    from smmgen.build.shard import draw_shard
    from smmgen.cli.progress import ProgressLine

    site = _load(site_dir)
    with ProgressLine() as progress:
        report = draw_shard(site, *shard, workers=workers or os.cpu_count() or 1, progress=progress)
    if report.errors:
        report_errors(report.errors)
        raise SmmgenError(f"{len(flatten(report.errors))} error(s); shard {shard[0]}/{shard[1]} is not done "
                          f"(it drew {report.drawn:,} of its {report.share:,} cards)")
    click.echo(report.line())


def warning_line(source: str, platform: str, message: str) -> str:
    """How every command shows one of the build's warnings."""
    return f"{source}: warning: {platform}: {message}"


def summary(result, changed: int) -> str:
    """The build report; ``result`` is a ``smmgen.build.incremental.Summary`` (or a BuildResult, summarized here)."""
    from smmgen.build.incremental import Summary, summarize
    from smmgen.content.discovery import describe

    s = result if isinstance(result, Summary) else summarize(result)
    out = s.output
    lines = [
        f"smmgen: built {s.site_name} -> {out}/",
        f"  articles  {s.articles}" + (f" (skipped {describe(s.skipped)})" if s.skipped else ""),
        f"  cuts      {sum(n for _, n in s.platforms)}: " + " · ".join(f"{name} {n}" for name, n in s.platforms),
        f"  cards     {s.cards}",
        f"  scheduled {s.scheduled(dt.datetime.now(dt.UTC))} article(s) not yet due",
    ]
    warnings = s.warnings
    lines.append(f"  warnings  {len(warnings)}")
    lines += ["    " + warning_line(*w) for w in warnings[:10]]
    if len(warnings) > 10:
        lines.append(f"    … and {len(warnings) - 10} more (smmgen check lists all)")
    lines.append(f"  manifest  {out}/manifest.json ({s.entries} entries, {changed} file(s) changed)")
    return "\n".join(lines)


@main.command()
@_site_option
@click.option("--verbose", "-v", is_flag=True, default=False,
              help="Also list every skipped file with its reason, and the front-matter keys smmgen ignored with how "
                   "many articles use each.")
@click.option("--live", is_flag=True, default=False,
              help="Instead: fetch the live pages of the articles due soon (output/manifest.json) and report missing "
                   "or wrong card tags the way the platforms' validators would (for CI after the site's deploy).")
@click.option("--within", default="48h", show_default=True,
              help="With --live: the articles with a post due within this long (and those due and not yet posted).")
@click.option("--now", "now", default=None, hidden=True, help="With --live: act as if it were this time (ISO 8601).")
@per_site()
def check(site_dir: Path | None, verbose: bool, live: bool, within: str, now: str | None) -> None:
    """Validate config, front matter and every cut against its platform's limits; writes nothing."""
    if live:
        _check_live(site_dir, within, now)
        return
    from smmgen.build.cache import CACHE_DIR, BuildCache, check_folder
    from smmgen.build.pipeline import build as run_build

    try:
        site = _load(site_dir)
    except SmmgenError as e:
        report_errors([e])
        raise SmmgenError("smmgen.toml is invalid") from None
    # The build cache, when a build made one, read and never saved: articles unchanged since that build are not
    # parsed and cut again (their cuts are what it checked), nor heroes it drew on decoded again.
    check_folder(site)
    cache = BuildCache.load(site) if (site.root / CACHE_DIR).is_dir() else None
    from smmgen.cli.progress import ProgressLine

    with ProgressLine() as progress:
        result = run_build(site, render_images=False, workers=os.cpu_count() or 1, cache=cache, progress=progress)
    from smmgen.cli.skipped import ignored_keys_report, skipped_files_report, skipped_line

    skipped = skipped_line(result)
    if skipped:
        click.echo(skipped)
    if verbose:
        for line in skipped_files_report(result) + ignored_keys_report(result):
            click.echo(line)
    warnings = result.warnings
    for w in warnings:
        click.echo(warning_line(w.source, w.platform, w.message), err=True)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            click.echo(github_annotation(ContentError(w.source, None, w.platform, w.message), "warning"))
    if result.errors:
        report_errors(result.errors)
        raise SmmgenError(f"{len(flatten(result.errors))} error(s)")
    click.echo(f"smmgen: {len(result.articles)} articles, {len(result.cuts)} cuts: all within their limits"
               + (f", {len(warnings)} warning(s)" if warnings else ""))


def _check_live(site_dir: Path | None, within: str, now: str | None) -> None:
    from smmgen.cli.live import check_live
    from smmgen.cli.publish import _now
    from smmgen.config.schema import Invalid, duration

    try:
        span = duration(within)
    except Invalid as e:
        raise click.BadParameter(str(e), param_hint="--within") from None
    check_live(_load(site_dir), now=_now(now), within=span, echo=click.echo)


@main.command()
@_site_option
@click.argument("title")
@click.option("--slug", default=None, help="URL slug (default: from the title).")
@click.option("--tag", "tags", multiple=True, help="A tag; repeat for more.")
@click.option("--lang", default=None, help="Article language (default: the site's).")
@per_site(one=True)
def new(site_dir: Path | None, title: str, slug: str | None, tags: tuple[str, ...], lang: str | None) -> None:
    """Scaffold an article with today's date and the front-matter fields."""
    from smmgen.init.scaffold import new_article

    site = _load(site_dir)
    path = new_article(site, title, slug=slug, tags=tags, lang=lang)
    click.echo(f"created {site.rel(path)}")


# Commands that live with the code they drive; each module lists its click commands in COMMANDS and keeps its
# heavy imports inside the command functions, so `smmgen --help` stays fast.
COMMAND_MODULES = ("preview", "plan", "publish", "diff", "init", "adopt", "sites", "doctor")


def _register_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"smmgen.cli.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"smmgen.cli.{name}":
                raise
            continue
        for command in module.COMMANDS:
            main.add_command(command)


_register_commands()


def run() -> None:
    """The ``smmgen`` program: ``main`` as a process, which ends without taking its objects apart.

    A build leaves hundreds of thousands of objects behind (the site's articles, cuts and cards, some of them
    in reference cycles), and the interpreter's orderly shutdown collects and frees them one by one: on a
    1,000-article site that took a third of a second after the work was done. Output is flushed and exit
    handlers (logging, worker processes) run first; only the teardown is skipped.
    """
    import atexit

    try:
        main()
        code = 0
    except SystemExit as e:             # how click ends every command, error or not
        code = e.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)    # as the interpreter does for sys.exit("message")
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # closed, or a reader that went away: nothing more can reach it
            pass
    os._exit(code or 0)
