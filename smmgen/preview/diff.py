"""What a merge will do to the social accounts: two manifests in, Markdown out (for a pull request's summary).

New posts (with time and platform), changed posts (with a text diff), and posts that will be deleted (retracted
articles, or entries that are no longer in the manifest). Each side is a manifest file or a git revision, built
from its committed files (``smmgen.preview.revisions``); a base revision without the site means every post is new.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from smmgen.errors import SmmgenError
from smmgen.manifest_model import Manifest, ManifestEntry, Media, Settled

Posted = ManifestEntry | Settled
"""An entry as a manifest carries it: in full, or as a settled stub (its post done, only id, hash and times)."""

CELL_CHARS = 90
MAX_DETAILED = 50      # changed posts shown with their diff; a job summary holds at most 1 MiB


@dataclass(frozen=True)
class Changed:
    base: Posted
    head: Posted


@dataclass(frozen=True)
class Deleted:
    entry: Posted
    reason: str          # "retracted" | "removed"


@dataclass(frozen=True)
class ManifestDiff:
    new: tuple[Posted, ...]
    changed: tuple[Changed, ...]
    deleted: tuple[Deleted, ...]
    unchanged: int
    timezone: ZoneInfo
    had_base: bool
    # Entries gone because another account of the platform took their article: the publisher leaves those posts.
    moved: tuple[Posted, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.new or self.changed or self.deleted)


def compare(base: Manifest | None, head: Manifest) -> ManifestDiff:
    before = {e.id: e for e in ((*base.entries, *base.settled) if base is not None else ())}
    after: dict[str, Posted] = {e.id: e for e in (*head.entries, *head.settled)}
    new: list[Posted] = []
    changed: list[Changed] = []
    deleted: list[Deleted] = []
    unchanged = 0
    for entry_id, entry in sorted(after.items()):
        old = before.get(entry_id)
        if _retracted(entry):
            if old is None or not _retracted(old):
                deleted.append(Deleted(entry, "retracted"))
            else:
                unchanged += 1
        elif old is None:
            new.append(entry)
        elif old.content_hash != entry.content_hash:
            changed.append(Changed(old, entry))
        else:
            unchanged += 1
    routed = {(article_key(e.id), e.platform) for e in after.values()}
    gone = [entry for entry_id, entry in sorted(before.items()) if entry_id not in after and not _retracted(entry)]
    moved = [e for e in gone if (article_key(e.id), e.platform) in routed]
    deleted += [Deleted(entry, "removed") for entry in gone if entry not in moved]
    new.sort(key=lambda e: (e.publish_at, e.id))
    return ManifestDiff(new=tuple(new), changed=tuple(changed), deleted=tuple(deleted), unchanged=unchanged,
                        timezone=site_zone(head), had_base=base is not None, moved=tuple(moved))


def article_key(entry_id: str) -> str:
    """The article part of an entry id ("budget-passes@bluesky" -> "budget-passes"): its preview page's name."""
    return entry_id.rsplit("@", 1)[0]


def site_zone(doc: Manifest) -> ZoneInfo:
    """The site's time zone as a manifest names it (UTC when it names none it knows)."""
    try:
        return ZoneInfo(doc.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# --- Markdown --------------------------------------------------------------------------------------------------

def to_markdown(diff: ManifestDiff) -> str:
    lines = ["## Social posts: what this merge will do", ""]
    if not diff.had_base:
        lines += ["No manifest on the base branch: every post is new.", ""]
    if diff.empty:
        lines.append(f"No posts are added, changed or deleted ({diff.unchanged} unchanged).")
        return "\n".join(lines) + "\n"
    lines += [(f"**{len(diff.new)} new · {len(diff.changed)} changed · {len(diff.deleted)} to delete** · "
              f"{diff.unchanged} unchanged"), ""]
    tz = diff.timezone
    if diff.new:
        lines += [f"### New posts ({len(diff.new)})", "", f"| When ({tz.key}) | Platform | Article | Post |",
                  "|---|---|---|---|"]
        lines += [f"| {_when(e.publish_at, tz)} | {_where(e)} | {_cell(_title(e))} | {_cell(_text(e))} |"
                  for e in diff.new]
        lines.append("")
    if diff.changed:
        lines += [f"### Changed posts ({len(diff.changed)})", ""]
        for change in diff.changed[:MAX_DETAILED]:
            lines += _changed(change, tz)
        if len(diff.changed) > MAX_DETAILED:
            rest = diff.changed[MAX_DETAILED:]
            lines += [f"…and {len(rest)} more: " + ", ".join(f"`{c.head.id}`" for c in rest), ""]
    if diff.deleted:
        lines += [f"### Posts to delete ({len(diff.deleted)})", "",
                  "Deleted on the next publish, if they went out.", "",
                  "| Platform | Article | Why |", "|---|---|---|"]
        why = {"retracted": "article retracted", "removed": "no longer in the manifest (article removed, "
                                                               "made a draft, or platform dropped)"}
        lines += [f"| {_where(d.entry)} | {_cell(_title(d.entry))} | {why[d.reason]} |"
                  for d in diff.deleted]
        lines.append("")
    if diff.moved:
        lines += [f"{len(diff.moved)} earlier post(s) stay where they went out: another account of the platform "
                  "takes their articles now (" + ", ".join(f"`{e.id}`" for e in diff.moved) + ").", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _changed(change: Changed, tz: ZoneInfo) -> list[str]:
    old, new = change.base, change.head
    # Folded, so a change touching every platform keeps the summary short; GitHub renders <details>.
    title = html.escape(" ".join(_title(new).split()))
    lines = [f"<details><summary><code>{html.escape(new.id)}</code>: {title}</summary>", ""]
    facts = []
    for before, after, label in ((old.publish_at, new.publish_at, "goes out"),
                                 (old.expire_at, new.expire_at, "expires")):
        if before != after:
            facts.append(f"- {label}: {_when(before, tz)} → {_when(after, tz)}")
    if _link(old) != _link(new):
        facts.append("- link changed")
    old_video, new_video = _video(old), _video(new)
    if old_video != new_video:
        facts.append(_video_change(old_video, new_video))
    old_images, new_images = _images(old), _images(new)
    if [m.sha256 for m in old_images] != [m.sha256 for m in new_images] and old_images and new_images:
        facts.append("- card image changed")
    if [m.alt for m in old_images] != [m.alt for m in new_images] and old_images and new_images:
        facts.append("- image description (alt text) changed")
    if _extra(old) != _extra(new):
        facts.append("- platform data changed")
    settled = [side for side, entry in (("base", old), ("head", new)) if isinstance(entry, Settled)]
    if settled:
        # A stub carries no text: what went out is in the ledger and on the platform, not in the manifest.
        facts.append(f"- the {' and '.join(settled)} manifest carries this post as settled, without its text")
    lines += facts
    text_diff = _text_diff(_parts(old), _parts(new))
    if text_diff:
        fence = _fence(text_diff)
        lines += ([""] if facts else []) + [f"{fence}diff", *text_diff, fence]
    elif not facts:
        lines.append("- content hash changed (no visible difference)")
    lines += ["", "</details>", ""]
    return lines


def _title(entry: Posted) -> str:
    """The article's title; a settled stub names only its id."""
    return entry.title if isinstance(entry, ManifestEntry) else article_key(entry.id)


def _parts(entry: Posted) -> tuple[str, ...]:
    """The post's parts; a settled stub carries no text (what went out is in the ledger and on the platform)."""
    return entry.parts if isinstance(entry, ManifestEntry) else ()


def _text(entry: Posted) -> str:
    return next(iter(_parts(entry)), "")


def _retracted(entry: Posted) -> bool:
    return isinstance(entry, ManifestEntry) and entry.retracted    # a retracted post is never settled


def _link(entry: Posted) -> str | None:
    return entry.link if isinstance(entry, ManifestEntry) else None


def _extra(entry: Posted) -> object:
    return entry.extra if isinstance(entry, ManifestEntry) else None


def _images(entry: Posted) -> list[Media]:
    return [m for m in entry.media if not m.is_video] if isinstance(entry, ManifestEntry) else []


def _video(entry: Posted) -> tuple | None:
    """What of an entry's video a reader of the summary tells apart: the file, its poster, captions and alt."""
    for m in entry.media if isinstance(entry, ManifestEntry) else ():
        if m.is_video:
            return (m.sha256, m.poster.sha256 if m.poster else None, m.captions.sha256 if m.captions else None,
                    m.alt, m.duration)
    return None


def _video_change(old: tuple | None, new: tuple | None) -> str:
    if old is None:
        return f"- video added ({new[4]} s)" if new is not None else ""
    if new is None:
        return "- video dropped: the card is posted instead"
    if old[0] != new[0]:
        return f"- video replaced ({old[4]} s → {new[4]} s)"
    what = [name for name, a, b in (("poster", old[1], new[1]), ("captions", old[2], new[2]),
                                    ("description (alt text)", old[3], new[3])) if a != b]
    return "- video " + ", ".join(what) + " changed"


def _text_diff(old_parts: Sequence[str], new_parts: Sequence[str]) -> list[str]:
    def lines_of(parts: Sequence[str]) -> list[str]:
        out: list[str] = []
        for i, part in enumerate(parts):
            if len(parts) > 1:
                out.append(f"--- part {i + 1} ---")
            out += part.splitlines() or [""]
        return out

    diff = list(difflib.unified_diff(lines_of(old_parts), lines_of(new_parts), lineterm="", n=2))
    return diff[2:]         # without the "--- / +++" file headers


def _fence(lines: Sequence[str]) -> str:
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def _when(value: dt.datetime | None, tz: ZoneInfo) -> str:
    if value is None:
        return "never"
    return value.astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z")


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, no pipes or HTML, shortened."""
    flat = " ".join(str(text).split())
    if len(flat) > CELL_CHARS:
        flat = flat[:CELL_CHARS - 1].rstrip() + "…"
    return flat.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def diff_sides(base: str | None, head: str, site_root: Path, *, workers: int | None = None,
               report: Callable[[str], None] = lambda line: None) -> str:
    """``smmgen diff BASE HEAD`` as a library call: the Markdown report (see ``compare_sides``)."""
    return to_markdown(compare_sides(base, head, site_root, workers=workers, report=report)[0])


def compare_sides(base: str | None, head: str, site_root: Path, *, workers: int | None = None,
                  report: Callable[[str], None] = lambda line: None) -> tuple[ManifestDiff, Manifest]:
    """The diff of ``smmgen diff BASE HEAD``, and the head's manifest.

    Each side names an existing manifest file or else a git revision of the repository holding ``site_root``,
    whose site (at ``site_root``'s place in the repository) is built in a temporary folder. ``base`` None, or a
    revision that has no site there yet, means every post is new. The head is built first so the base build
    can take the card files the two share.
    """
    from smmgen.preview import revisions

    with tempfile.TemporaryDirectory(prefix="smmgen-diff-") as work:
        def side(name: str, label: str, seed: Path | None) -> revisions.Built:
            path = Path(name)
            if path.is_file():
                return revisions.Built(revisions.read(path), path.parent / "cards")
            commit = revisions.commit_of(site_root, name)
            if commit is None:
                raise SmmgenError(f"{label} {name!r}: neither a manifest file nor a git revision")
            report(f"building {name} ({commit[:12]})…")
            return revisions.build_at(site_root, name, commit, Path(work) / label, seed_cards=seed, workers=workers)

        head_side = side(head, "head", _working_cards(site_root))
        if head_side.manifest is None:
            raise SmmgenError(f"head {head!r}: that revision has no smmgen.toml at the site's place")
        base_doc = side(base, "base", head_side.cards).manifest if base is not None else None
        return compare(base_doc, head_side.manifest), head_side.manifest


def _working_cards(site_root: Path) -> Path | None:
    """The cards the site's last ``smmgen build`` drew, to start a revision's build from."""
    from smmgen.config.site import load_site

    try:
        return load_site(site_root).output_dir / "cards"
    except SmmgenError:
        return None


def _where(entry: Posted) -> str:
    """The platform, and the account where it is not the platform's default one (``telegram · courier-ru``)."""
    account = entry.account or entry.platform
    return entry.platform if account == entry.platform else f"{entry.platform} · {account}"
