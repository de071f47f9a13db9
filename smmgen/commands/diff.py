"""``smmgen diff BASE HEAD``: what merging will do to the social accounts, as Markdown."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("base", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("head", type=click.Path(dir_okay=False, path_type=Path))
def diff(base: Path, head: Path) -> None:
    """Compare two manifests: new posts, changed posts (text diff), posts that will be deleted.

    BASE is the manifest built from the target branch (a missing file means everything is new); HEAD is the
    manifest of the change.
    """
    from ..diff import diff_files

    click.echo(diff_files(base, head), nl=False)


COMMANDS = [diff]
