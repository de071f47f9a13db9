"""``smmgen sites``: the sites a command would run for, and their files, for the workflow scripts."""

from __future__ import annotations

import os
from pathlib import Path

import click

from smmgen.cli.main import _site_option

PATHS = ("folder", "ledger", "cache", "cards")


@click.command("sites")
@_site_option
@click.option("--paths", "kinds", type=click.Choice(PATHS), multiple=True,
              help="Print this path of every site (repeat for more): its folder (the default), its ledger, its "
                   "build cache or its cards folder. A site whose smmgen.toml does not load gets the defaults.")
def sites(site_dir: Path | None, kinds: tuple[str, ...]) -> None:
    """List the sites a command would run for, one path a line, relative to the current folder: the workflow
    scripts loop over them and commit every site's ledger."""
    from smmgen.config.workspace import select, site_paths

    chosen = select(site_dir, Path.cwd())
    for kind in kinds or ("folder",):
        for folder in chosen.sites:
            path = site_paths(folder)[kind]
            click.echo(_relative(path))


def _relative(path: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(path))).as_posix()


COMMANDS = [sites]
