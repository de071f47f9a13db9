"""``smmgen diff BASE HEAD``: what merging will do to the social accounts, as Markdown."""

from __future__ import annotations

import os
from pathlib import Path

import click

from smmgen.cli.main import _site_option, _site_root
from smmgen.cli.per_site import MARKDOWN, per_site


@click.command()
@_site_option
@click.option("--no-base", is_flag=True, default=False,
              help="Compare HEAD with nothing (the target branch has no site yet): every post is new.")
@click.option("--artifact", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also copy into this folder, laid out as output/, the preview pages and cards of the posts "
                   "that change (HEAD must be a built manifest file): a pull request's preview artifact.")
@click.argument("sides", nargs=-1, metavar="BASE HEAD")
@per_site(MARKDOWN)
def diff(site_dir: Path | None, no_base: bool, sides: tuple[str, ...], artifact: Path | None) -> None:
    """Compare two manifests: new posts, changed posts (text diff), posts that will be deleted.

    BASE is the target branch's side, HEAD the change's: each a manifest file (output/manifest.json of a
    build) or else a git revision, whose committed site is built in a temporary folder, e.g.
    `smmgen diff origin/main HEAD`. A base revision without the site means every post is new.
    """
    from smmgen.preview.diff import diff_sides

    if len(sides) != (1 if no_base else 2):
        raise click.UsageError("give HEAD alone with --no-base" if no_base else "give BASE and HEAD")
    base, head = (None, sides[0]) if no_base else sides

    def report(line: str) -> None:      # progress on stderr: stdout is the Markdown, often redirected
        click.echo(line, err=True)

    if artifact is None:
        click.echo(diff_sides(base, head, _site_root(site_dir), workers=os.cpu_count() or 1, report=report),
                   nl=False)
        return
    from smmgen.preview.artifact import write_artifact
    from smmgen.preview.diff import compare_sides, to_markdown

    if not Path(head).is_file():
        raise click.UsageError("--artifact needs HEAD to be a built manifest file (output/manifest.json)")
    changes, head_doc = compare_sides(base, head, _site_root(site_dir), workers=os.cpu_count() or 1,
                                      report=report)
    copied = write_artifact(Path(head).parent, head_doc, changes, artifact)
    report(f"artifact: {len(copied)} file(s) in {artifact}")
    click.echo(to_markdown(changes), nl=False)


COMMANDS = [diff]
