"""``smmgen preview`` (the static preview, or a Markdown summary for pull requests) and ``smmgen serve``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from smmgen.cli.main import _load, _site_option, _site_root, report_errors
from smmgen.cli.per_site import LINES, MARKDOWN, per_site, record
from smmgen.errors import SmmgenError, flatten


@click.command()
@_site_option
@click.option("--summary", is_flag=True, default=False,
              help="Print a Markdown table (article × platform: length/limit, status, warnings) for "
                   "$GITHUB_STEP_SUMMARY instead of writing output/.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes for card rendering (default: all cores).")
@per_site(lambda options: MARKDOWN if options["summary"] else LINES)
def preview(site_dir: Path | None, summary: bool, workers: int | None) -> None:
    """Build output/ and print where the preview is; with --summary, print the Markdown summary only."""
    from smmgen.build.pipeline import build, write_output

    site = _load(site_dir)
    if summary:
        from smmgen.preview.summary import markdown_summary

        result = build(site, render_images=False)
        click.echo(markdown_summary(result), nl=False)
        if result.errors:
            report_errors(result.errors)
            raise SmmgenError(f"{len(flatten(result.errors))} error(s)")
        return
    from smmgen.build.incremental import writing_output
    from smmgen.cli.progress import ProgressLine

    with writing_output(site), ProgressLine() as progress:
        result = build(site, workers=workers or os.cpu_count() or 1, progress=progress)
        if not result.errors:
            progress("writing", 0, 0)
            write_output(result)
    record(site, posts=0 if result.errors else len(result.cuts), warnings=len(result.warnings),
           errors=len(flatten(result.errors)))
    if result.errors:
        report_errors(result.errors)
        raise SmmgenError(f"{len(flatten(result.errors))} error(s); nothing was written")
    index = site.output_dir / "preview" / "index.html"
    click.echo(f"preview: {site.rel(index)} ({index.as_uri()})")


@click.command()
@_site_option
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
def serve(site_dir: Path | None, port: int) -> None:
    """Build, serve output/ on 127.0.0.1, rebuild on changes and reload the open page."""
    from smmgen.preview.serve import serve as run

    def say(line: str) -> None:
        click.echo(line)
        sys.stdout.flush()

    def ready(url: str) -> None:
        say(f"Serving {url}  (Ctrl+C to stop)")

    from smmgen.config.workspace import select

    chosen = select(site_dir, Path.cwd())
    try:
        if chosen.workspace is not None and len(chosen.sites) > 1:
            from smmgen.preview.serve_workspace import serve_workspace

            serve_workspace(chosen.workspace, port=port, report=say, on_ready=ready)   # every site, and the index
        else:
            run(chosen.sites[0] if chosen.workspace is not None else _site_root(site_dir), port=port, report=say,
                on_ready=ready)
    except OSError as e:
        raise SmmgenError(f"cannot serve on 127.0.0.1:{port}: {e.strerror or e}") from None
    except KeyboardInterrupt:
        say("stopped")


COMMANDS = [preview, serve]
