"""``smmgen init``: smmgen.toml for the Hugo or Jekyll site in this folder, or a starter site in an empty one."""

from __future__ import annotations

from pathlib import Path

import click

from smmgen.cli.main import _site_option, _site_root


@click.command()
@_site_option
@click.option("--generator", type=click.Choice(["hugo", "jekyll"]), default=None,
              help="Read this generator's configuration (default: the one whose files are found).")
@click.option("--force", is_flag=True, default=False, help="Replace an existing smmgen.toml.")
def init(site_dir: Path | None, generator: str | None, force: bool) -> None:
    """Write smmgen.toml from the site's Hugo or Jekyll configuration (or, in an empty folder, a starter site)
    and say what was found and what was not. Asks nothing."""
    from smmgen.init.init_site import init_site

    report = init_site(_site_root(site_dir), generator=generator, force=force)
    if report.kind == "starter":
        click.echo("smmgen init: an empty folder: wrote a starter site")
    else:
        kind = {"hugo": "Hugo", "jekyll": "Jekyll"}[report.kind]
        click.echo(f"smmgen init: {kind} site; read {', '.join(report.files)}")
        click.echo("found:")
        width = max((len(key) for key, _, _ in report.found), default=0)
        for key, value, where in report.found:
            click.echo(f"  {key:<{width}}  {value}  ({where})")
        if report.missing:
            click.echo("not found or not carried over:")
            for note in report.missing:
                click.echo(f"  - {note}")
    for path in report.written:
        click.echo(f"created {path}")
    if report.head_line:
        click.echo(f"the article pages' tags: add {report.head_line} to the <head> of the site's page template")
    click.echo("next: review smmgen.toml, then run `smmgen check`")


COMMANDS = [init]
