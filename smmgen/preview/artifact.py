"""What a pull request's preview artifact holds: the preview of what the pull request changes, not the site's.

A large site's preview is hundreds of megabytes and its cards gigabytes; a reviewer needs the pages of the
articles whose posts the merge adds, changes or retracts (``smmgen.preview.diff``), their cards, and the index and plan
pages those posts are listed on. The files keep their places under output/, so the links between them work in
the unpacked artifact (a link to an article the pull request leaves alone leads nowhere there).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterable
from pathlib import Path

from smmgen.manifest_model import Manifest, ManifestEntry
from smmgen.preview.diff import ManifestDiff, Posted, article_key, site_zone
from smmgen.preview.periods import month_of, month_period, week_period

ALWAYS = ("preview/index.html", "preview/plan.html")


def changed_entries(diff: ManifestDiff) -> list[Posted]:
    """The head's entries whose posts the merge adds, changes or retracts (a removed article has no page)."""
    return [*diff.new, *(c.head for c in diff.changed), *(d.entry for d in diff.deleted if d.reason == "retracted")]


def artifact_files(head: Manifest, entries: Iterable[Posted]) -> list[str]:
    """Paths, relative to the output dir, of the preview files that show ``entries`` (of the manifest ``head``):
    each article's page, the month page listing it and the week pages of its posts, the posts' cards; and the
    front pages (preview/index.html, preview/plan.html)."""
    tz = site_zone(head)
    wanted = set(ALWAYS)
    for entry in entries:
        wanted.add(f"preview/articles/{article_key(entry.id)}.html")
        # A settled stub names no article date; its article page still lists it.
        if isinstance(entry, ManifestEntry) and entry.article_date is not None:
            wanted.add("preview/" + month_period(month_of(entry.article_date.isoformat(), tz)).page)
        for when in (entry.publish_at, entry.expire_at):
            if when:
                day = when.astimezone(tz).date()
                wanted.add("preview/" + week_period(day - dt.timedelta(days=day.weekday())).page)
        if isinstance(entry, ManifestEntry):
            wanted.update(m.name for m in entry.media)
    return sorted(wanted)


def write_artifact(output_dir: Path, head: Manifest, diff: ManifestDiff, into: Path) -> list[str]:
    """Copy into ``into`` (laid out like ``output_dir``) the preview files of what ``diff`` changes, and the
    avatars the pages show; returns the paths copied, relative to both. A file the build did not write (a
    post held back has no week page) is left out."""
    wanted = artifact_files(head, changed_entries(diff))
    avatars = output_dir / "preview" / "avatars"
    if avatars.is_dir():
        wanted += sorted(f"preview/avatars/{p.name}" for p in avatars.iterdir())
    root = output_dir.resolve()
    copied = []
    for relative in wanted:
        source = output_dir / relative
        # Only regular files inside output/: a manifest's path never leads a copy elsewhere.
        if source.is_symlink() or not source.is_file() or not source.resolve().is_relative_to(root):
            continue
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied.append(relative)
    return copied
