"""The edit path: a build that replaces only the share of output/ of the few articles whose files changed.

An edit to one article of a 10,000-article archive changes that article's cut texts, Open Graph snippet, cards,
manifest entries and a few preview pages, and nothing else. The full build (``smmgen.build.pipeline``) would
still walk every article; this path instead parses and cuts the edited articles with the full build's own
functions, takes everything else from the edit index the last build saved (``smmgen.build.edit_index``), and
splices the result into output/.

It is taken only when it is sure to give the bytes the full build would; otherwise ``edit_build`` returns None
and the full build runs as it always did. Sure means: the inputs differ from the last build's only in the bytes
of a few existing article files (the same files, config, layouts, heroes, avatars and ledger); each edited
article parses without error (and names no hero or clip that was not found), is no draft (nor was one), has no
video, keeps its slug (its key, which no other article shares), URL and hero, cuts without error, and asks the
plan the same questions (``pipeline.plan_reads``: then the last plan's answers stand for it, and no other post
moves); its cards are its own; the manifest and the preview pages it splices into are still the files the last
build wrote. On a site with ``[integration]`` the edited articles' share of the files written into the site (the
data file, or their pages and the index; the cards copied) is replaced too, by ``smmgen.build.integration_edit``;
the one site warning about a default image without alt text is counted again from the edited articles' part in
it.

A draft that stays one, with its slug, URL and hero, has no share of output/ at all (no cut, card, entry nor
preview row; the summary counts it as before): its edit writes only the build state and the index. So does a
new file that is a draft, or a draft's file removed, when no other file's fate hangs on it
(``discovery.alone``: no bundle's index, section page, nor below a ``cascade``) and its slug and URL are no other
article's (``edit_index.Names``): the summary counts one draft more or less, and the state names the heroes
read as the full build would. A draft made published, or a published article made a draft, takes the full
build: its posts take their places in the site-wide plan, where they may move others.

output/ is not listed: the files it changes move the recorded listing digest by their own shares
(``edit_index.file_hash``), so the next build with nothing to do still compares with output/ as it really is.
"""

from __future__ import annotations

import bisect
import json
import os
import secrets
import stat
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smmgen.build import edit_index, staging
from smmgen.build.cache_files import _codec, _write
from smmgen.build.cache_records import BuildState
from smmgen.build.edit_index import EditIndex, EditRecord, as_digest, file_hash
from smmgen.build.edit_manifest import Block, NewManifest, shift_rows
from smmgen.build.edit_manifest import stat_of as _stat
from smmgen.errors import SmmgenError

if TYPE_CHECKING:
    from smmgen.build.article_outputs import ArticleOutput
    from smmgen.build.edit_helper import EditHelper
    from smmgen.build.incremental import Outcome
    from smmgen.build.templates import Layouts
    from smmgen.config.site import Site
    from smmgen.content.article import Article
    from smmgen.platforms import Cut

MAX_EDITED = 8
"""More articles changed than this: the full build (a pull request, a checkout of another branch)."""



@dataclass(frozen=True)
class Edited:
    """One edited article, made again: what the preview's edit (``smmgen.preview.edit``) is given too."""

    path: str                             # its file, as ``incremental._content_hashes`` names it
    record: EditRecord                    # as the last build left it
    sha: str
    article: Article
    cuts: tuple[Cut, ...]                 # planned, with the plan's and the expiry warnings
    output: ArticleOutput
    cards: dict                           # CardRequest -> Card, in request order
    staged: frozenset[str]                # its new cards, waiting in the staging folder


def edit_build(site: Site, env: str, state: BuildState, index: EditIndex, before: list[tuple[str, str]],
               stats: dict, started: int, others: bytes, helper: EditHelper | None = None) \
        -> tuple[Outcome, EditIndex, BuildState] | None:
    """Build by replacing only the edited articles' share of output/, or None when this is not sure to give the
    full build's bytes (nothing is written then). ``before``: the content hashes as ``incremental`` took them
    (``stats``: the article files' stats and hashes, taken from ``started`` on; ``others``: the rest of the inputs'
    fingerprint, ``incremental._other_inputs``); ``helper``: the process ``start_helper`` started for this build,
    which makes the edited articles again (without one, this process does)."""
    from smmgen.build.incremental import _inputs, _markdown_suffixes, listing_key

    data = index.data
    if data["inputs"] != state.inputs:
        return None
    files = data["files"]
    markdown = _markdown_suffixes(site)
    changed, added, old = [], [], []
    kept = 0
    for path, sha in before:
        known = files.get(path)
        if known is None:
            if path.lower().endswith(markdown) and sha not in ("unreadable", "outside"):
                added.append(path)          # (or one the last build could not read: then the old inputs differ)
                continue
        else:
            kept += 1
            if known[3] != sha:
                changed.append(path)
                sha = known[3]
        old.append((path, sha))
    removed = [] if kept == len(files) else sorted(set(files) - {path for path, _ in before})
    if removed:                                 # back where the listing had them
        top = os.fspath(site.content_dir)
        keys = [listing_key(top, path) for path, _ in old]
        for path in removed:
            key = listing_key(top, path)
            at = bisect.bisect(keys, key)
            keys.insert(at, key)
            old.insert(at, (path, files[path][3]))
    # Nothing else may differ: the same files under content/, the same heroes, avatars, ledger, config.
    count = len(changed) + len(added) + len(removed)
    if not count or count > MAX_EDITED or _inputs(site, env, old, state.read, others) != state.inputs:
        return None
    from smmgen.build.incremental import SUBDIRS
    from smmgen.output_files import guard

    records = {path: index.record(site.rel(Path(path)), site) for path in changed}
    drafts = []
    for path, record in records.items():
        if record is None:
            return None
        if record.draft:
            again = _draft_again(site, path, record, dict(before)[path])
            if again is None:
                return None
            drafts.append((record, again))
    if len(drafts) == len(changed):
        if helper is not None:
            helper.stop()                   # nothing to make: the machine is this build's again
        return _drafts_only(site, env, state, index, drafts, added, removed, before, stats, started, others)
    if added or removed:
        return None
    published = [path for path in changed if not records[path].draft]
    guard(site.root, site.output_dir, SUBDIRS)     # before anything is written in output/
    # Without one started as the build began (a small archive), a helper that draws the cards, forked before the
    # manifest's thread starts (a fork copies one thread): it rehearses the layouts the edited articles drew on.
    own = None
    if helper is None:
        own = helper = _start(site, False, _layouts_drawn(site, [records[path] for path in published]))
    try:
        new_manifest = NewManifest.start(site, data, {site.rel(Path(path)) for path in published})
        if new_manifest is None:
            return None
        try:
            ahead = _Ahead(site, env, before, state.read, others, stats, index)
            made = _remade(site, published, records, dict(before), helper, ahead)
            if made is None:
                return None
            return _splice(site, env, state, index, *made, before, ahead, started, new_manifest, drafts)
        finally:
            new_manifest.discard()
    finally:
        if own is not None:
            own.stop()


def start_helper(site: Site) -> EditHelper | None:
    """The process an edit of a large archive (``CUT_FIRST``) would make its articles in
    (``smmgen.build.edit_helper``), started as the build begins, when the last build left an edit index large
    enough; None otherwise, or where it cannot be forked."""
    try:
        size = (edit_index.folder(site) / edit_index.INDEX).stat().st_size
    except OSError:
        return None
    return _start(site, True, ["photo", "default", *_platform_layouts(site)]) if size >= CUT_FIRST else None


CUT_FIRST = 3 << 20
"""An edit index this large (some 7,000 articles) takes the build long enough to read, with the article files'
stats, that a helper started as the build begins has the code that cuts loaded by then (0.1 to 0.2 s): it makes
the edited articles. With a smaller one the build cuts them itself, sooner, while a helper started once the edit
is found loads only the card code and draws."""


def _start(site: Site, cut_first: bool, layouts: list[str]) -> EditHelper | None:
    from smmgen.build.edit_helper import EditHelper

    return EditHelper.start(site, cut_first, tuple(dict.fromkeys(layouts)))


def _layouts_drawn(site: Site, records: list[EditRecord]) -> list[str]:
    """The layouts the edited articles drew on (by their hero; a layout named in the front matter is not in the
    record) and any the platforms name."""
    return [*("photo" if record.image else "default" for record in records), *_platform_layouts(site)]


def _platform_layouts(site: Site) -> list[str]:
    """The card layouts the site's platforms name (``card = "..."``)."""
    return [name for settings in site.platforms if type(name := settings.get("card")) is str]


def warm_up(site: Site, until: Callable[[], bool], cutting: Callable[[], None] | None,
            rehearsed: Sequence[str]) -> Layouts | None:
    """In the helper, before it is asked: with ``cutting``, the code that parses and cuts loaded, Markdown's
    converter made and the platforms' counting rules compiled (each the first time it is used in a process),
    and ``cutting`` called; then the card code loaded and cards rehearsed on the layouts named ``rehearsed``;
    ``until``, asked between steps: stop now. With ``cutting``, the site's layouts, for ``remake_here``."""
    import smmgen.plan.schedule  # noqa: F401 (what a request's records hold: read only once it is loaded)

    layouts = None
    steps: tuple[Callable[[], None], ...] = (_load_drawing, lambda: _rehearse_cards(site, rehearsed, until))
    if cutting is not None:
        from smmgen.build.templates import Layouts

        layouts = Layouts(site.layouts_dir, compiled=True, root=site.root)
        steps = (_load_cutting, _markdown_converter, lambda: _counting_rules(site), cutting, *steps)
    for step in steps:
        if until():
            break
        try:
            step()
        except Exception:               # noqa: BLE001 - cutting and drawing report it, if it matters
            pass
    return layouts


def _load_cutting() -> None:
    import smmgen.build.card_stage
    import smmgen.build.cutting
    import smmgen.build.pipeline  # (the edited articles' outputs are made with the cuts)
    import smmgen.content.reading  # noqa: F401


def _load_drawing() -> None:
    import smmgen.cards.batch  # noqa: F401


def _markdown_converter() -> None:
    from smmgen.content.markup import to_html

    to_html("*a*\n\n- b\n")


def _counting_rules(site: Site) -> None:
    from smmgen.platforms import registry
    from smmgen.platforms.text_rules import rules_for

    sample = "A headline https://example.com/a-story #tag @someone@example.social"
    for settings in site.platforms:
        rules_for(registry.get(settings.name).SPEC).check(sample)


def remake_here(site: Site, layouts: Layouts | None, changed: Sequence[str],
                records: dict[str, EditRecord | None], shas: dict[str, str]) -> list[Edited] | None:
    """The edited articles made again in the helper: what ``EditHelper.remake`` answers."""
    if layouts is None:
        from smmgen.build.templates import Layouts

        layouts = Layouts(site.layouts_dir, compiled=True, root=site.root)
    cut = _cut_again(site, changed, records, layouts)
    return None if cut is None else _with_cards(site, cut, records, shas, layouts)


# --- drafts -----------------------------------------------------------------------------------------------------

def _draft_again(site: Site, path: str, record: EditRecord, sha: str) -> tuple[str, EditRecord] | None:
    """The edited draft's source and new record, when it is still a draft that leaves every output as it was:
    the same slug (no other article has it: no key moves), URL (no other article's) and hero (an input the
    state names); None otherwise (the full build decides)."""
    from smmgen.content.article_media import looked_for_in_vain
    from smmgen.content.reading import Skipped, load_article

    source = site.rel(Path(path))
    try:
        article = load_article(Path(path), site)
    except (SmmgenError, Skipped):
        return None
    image = str(article.image) if article.image else None
    if (article.source != source or not article.draft or looked_for_in_vain(article)
            or article.slug != record.slug or article.url != record.url or image != record.image):
        return None
    return source, edit_index.draft_record(article, sha)


def _new_draft(site: Site, path: str, names: edit_index.Names, sha: str) -> tuple[str, EditRecord] | None:
    """A draft in a new file, when it leaves every output as it was: a draft, its slug and URL no other
    article's, no file's fate hanging on its own (``discovery.alone``); None otherwise."""
    from smmgen.content.article_media import looked_for_in_vain
    from smmgen.content.discovery import alone
    from smmgen.content.reading import Skipped, load_article

    if not alone(site.content_dir, Path(path), site.content_rules, site.root):
        return None
    try:
        article = load_article(Path(path), site)
    except (SmmgenError, Skipped):
        return None
    if (article.source != site.rel(Path(path)) or not article.draft or looked_for_in_vain(article)
            or article.key != article.slug or article.slug in names.slugs or article.url in names.urls):
        return None
    return article.source, edit_index.draft_record(article, sha)


def _drafts_only(site: Site, env: str, state: BuildState, index: EditIndex,
                 drafts: list[tuple[EditRecord, tuple[str, EditRecord]]], added: list[str], removed: list[str],
                 before: list[tuple[str, str]], stats: dict, started: int, others: bytes) \
        -> tuple[Outcome, EditIndex, BuildState] | None:
    """Only drafts edited, added (``added``) or removed (``removed``): output/ stays as it is; the state and the
    index take the new inputs, the summary the count of drafts; None when that is not sure (the full build)."""
    from smmgen.build.incremental import Outcome, _inputs
    from smmgen.content.discovery import alone

    data = index.data
    summary, read, names = state.summary, state.read, None
    gone: list[str] = []
    new: list[tuple[str, EditRecord]] = []
    if added or removed:
        names = edit_index.load_names(site, env, data.get("names"))
        if names is None or names.read() != tuple(state.read):
            return None
        for path in removed:
            source = site.rel(Path(path))
            record = index.record(source, site)
            if (record is None or not record.draft
                    or not alone(site.content_dir, Path(path), site.content_rules, site.root)):
                return None
            names.slugs.discard(record.slug)
            names.urls.discard(record.url)
            if record.image is not None:
                if names.reads.get(record.image, 0) < 1:
                    return None
                names.reads[record.image] -= 1
                if not names.reads[record.image]:
                    del names.reads[record.image]
            gone.append(source)
        shas = dict(before)
        for path in added:
            made = _new_draft(site, path, names, shas[path])
            if made is None:
                return None
            new.append(made)
            record = made[1]
            names.slugs.add(record.slug)
            names.urls.add(record.url)
            if record.image is not None:
                names.reads[record.image] = names.reads.get(record.image, 0) + 1
        read = names.read()
        summary = replace(summary, drafts=summary.drafts + len(new) - len(gone),
                          skipped=_with_drafts(summary.skipped, len(new) - len(gone)))
    new_inputs = _inputs(site, env, before, read, others if read == tuple(state.read) else None)
    edit_index.forget(site)
    for source in gone:
        index.drop(source)
    for source, record in (*(again for _, again in drafts), *new):
        index.put(source, record, site)
    if names is not None:
        data["names"] = edit_index.save_names(site, env, names)
    data["files"] = {path: [*st_, sha] for path, (st_, sha) in stats.items()}
    data["written"] = started
    data["inputs"] = new_inputs
    new_state = replace(state, inputs=new_inputs, read=read, summary=summary)
    _write(edit_index.folder(site) / "state.json", env, [_state_line(new_state, state, data)])
    index.save()
    return Outcome(summary, 0, (), False, None, edited=True), index, new_state


def _with_drafts(skipped: tuple, delta: int) -> tuple[tuple[str, int], ...]:
    """The summary's counts of files skipped (``discovery.counts``) with ``delta`` more drafts."""
    from smmgen.content.discovery import DRAFTS, REASONS

    tally = {reason: n for reason, n in skipped}
    tally[DRAFTS] = tally.get(DRAFTS, 0) + delta
    return tuple((reason, tally[reason]) for reason in REASONS if tally.get(reason))


# --- making the edited articles' share again ---------------------------------------------------------------------

@dataclass(frozen=True)
class CutAgain:
    """One edited article parsed and cut again, with the cards its cuts ask for (``_cut_again``)."""

    path: str
    article: Article
    cuts: tuple[Cut, ...]                 # planned, with the plan's and the expiry warnings
    requests: list[tuple]                 # ``card_stage.card_requests``, a tuple per cut


def _remade(site: Site, changed: Sequence[str], records: dict[str, EditRecord | None], shas: dict[str, str],
            helper: EditHelper | None, ahead: _Ahead) -> tuple[list[Edited], Layouts] | None:
    """The edited articles made again; None when the edit takes the full build. In the helper when it has the
    code that cuts loaded already (while this process loads what the splice needs and makes what ``ahead``
    makes); else cut here, and their cards drawn in the helper when there is one (the same meanwhile)."""
    from smmgen.build.edit_helper import NOT_HERE
    from smmgen.build.templates import Layouts

    layouts = Layouts(site.layouts_dir, compiled=True, root=site.root)
    if helper is not None:
        helper.meanwhile = lambda: (_ready_to_splice(layouts), ahead.make())
        if helper.ready_to_cut():
            done = helper.remake(changed, {path: records[path] for path in changed},
                                 {path: shas[path] for path in changed})
            if done is not NOT_HERE:
                return None if done is None else (done, layouts)
    cut = _cut_again(site, changed, records, layouts)
    edited = None if cut is None else _with_cards(site, cut, records, shas, layouts,
                                                   helper.draw if helper is not None else None)
    return None if edited is None else (edited, layouts)


def _rehearse_cards(site: Site, layouts: Sequence[str], until: Callable[[], bool]) -> None:
    """What a process's first cards would otherwise wait for, done ahead: a headline rehearsed on ``layouts``
    at every card size, og first, until ``until`` says stop. Only what is cached per process changes; a card's
    pixels do not depend on it."""
    from smmgen.build.layout_dirs import search_path
    from smmgen.cards import TARGETS, CardRequest
    from smmgen.cards.batch import rehearse

    dirs, roots = search_path(site.layouts_dir, site.root)
    targets = sorted(TARGETS, key=lambda t: t != "og")      # every article has an og card
    rehearse([CardRequest(target=target, layout=layout, title="A headline of some length, set on two lines",
                          site_name=site.name, kicker="Section", date_text="1 January 2026", lang=site.language,
                          hero=None, focus=None, alt=None, source="(rehearsal)", line=None)
              for layout in layouts for target in targets],
             layout_dirs=[d / "cards" for d in dirs], roots=roots, until=until)


def _cut_again(site: Site, changed: Sequence[str], records: dict[str, EditRecord | None], layouts: Layouts) \
        -> list[CutAgain] | None:
    """Each edited article parsed, cut and planned again, or None when one of them no longer fits the edit path
    (see the module docstring)."""
    from smmgen.build.card_stage import card_requests
    from smmgen.build.cutting import _with_plan_values, cut_article, plan_reads, with_expiry_warnings
    from smmgen.content.article_media import looked_for_in_vain
    from smmgen.content.reading import Skipped, load_article

    out = []
    for path in changed:
        source = site.rel(Path(path))
        record = records[path]
        if record is None:
            return None
        try:
            article = load_article(Path(path), site)
        except (SmmgenError, Skipped):
            return None
        image = str(article.image) if article.image else None
        if (article.source != source or article.draft or looked_for_in_vain(article) or article.video is not None
                or article.slug != record.slug or article.url != record.url or image != record.image):
            return None
        if article.key != article.slug:
            article = replace(article, key=article.slug)     # as ``reading.with_keys`` gives a slug of its own
        cuts, errors = cut_article(article, site, layouts)
        if errors or any(c.errors for c in cuts) or len(cuts) != len(record.plan) \
                or plan_reads(cuts) != record.plan_reads:
            return None
        planned = with_expiry_warnings([_with_plan_values(c, tuple(values[:3]), values[3])
                                        for c, values in zip(cuts, record.plan)], site)
        out.append(CutAgain(path, article, tuple(planned), card_requests(cuts, {source: article}, site)))
    return out


def _with_cards(site: Site, cut: list[CutAgain], records: dict[str, EditRecord | None], shas: dict[str, str],
                layouts: Layouts, draw: Callable[..., dict] | None = None) -> list[Edited] | None:
    """The edited articles with their cards drawn (new ones in the staging folder; by ``draw`` when given) and
    their outputs made; None when a card cannot be drawn (the full build reports why; the cards drawn stay
    staged)."""
    from smmgen.build.card_stage import render_cards
    from smmgen.build.pipeline import article_outputs

    out = []
    for one in cut:
        source = one.article.source
        record = records[one.path]
        staged: set[str] = set()
        cards, card_errors = render_cards(one.requests, {source: one.article}, site, layouts, True, None, None, None,
                                          staged, draw=draw)
        if card_errors or record is None:
            return None
        (output,) = article_outputs([one.article], one.cuts, one.requests, cards, site, {source: shas[one.path]})
        out.append(Edited(one.path, record, shas[one.path], one.article, one.cuts, output, cards, frozenset(staged)))
    return out


def _ready_to_splice(layouts: Layouts) -> None:
    """What ``_splice`` needs first, loaded while the helper makes the edited articles: its modules and the
    preview's templates (a template that does not load is reported where the preview is made)."""
    import smmgen.build.integration_edit
    import smmgen.build.manifest_file
    import smmgen.build.pipeline
    import smmgen.build.settled
    import smmgen.manifest
    import smmgen.preview.edit  # noqa: F401
    from smmgen.preview.pages import Renderer

    try:
        Renderer(layouts).check()
    except Exception:               # noqa: BLE001 - reported in its place
        pass


def _files(site: Site, edited: Edited) -> dict[str, bytes] | None:
    """The edited article's cut texts and Open Graph snippet, by path in output/ (as ``write._article_files``)."""
    from smmgen.build.write import cut_file_name, cut_text_file, og_snippet

    og = next((card for req, card in edited.cards.items() if req.target == "og"), None)
    files = {f"cuts/{c.slug}/{cut_file_name(c)}": cut_text_file(c) for c in edited.output.cuts}
    files[f"og/{edited.article.key}.html"] = og_snippet(edited.article, site, og)
    return files if files.keys() == {f[0] for f in edited.record.files} else None


def _preview(site: Site, index: EditIndex, edited: list[Edited], layouts: Layouts) \
        -> tuple[tuple[tuple[str, bytes], ...], Any] | None:
    """The preview pages the edit changes and the preview's new record (``smmgen.preview.edit``); None when it
    cannot patch them exactly."""
    from smmgen.build.pipeline import BuildResult
    from smmgen.preview.edit import patch_pages

    record = index.preview()
    if record is None:
        return None
    partial = BuildResult(site=site, articles=tuple(one.article for one in edited), drafts=(),
                          cuts=tuple(c for one in edited for c in one.cuts),
                          outputs=tuple(one.output for one in edited),
                          cards={req: card for one in edited for req, card in one.cards.items()}, errors=(),
                          layouts=layouts)
    patch = patch_pages(partial, record, layouts)
    return (patch.files, patch.record) if patch is not None else None


# --- writing it ------------------------------------------------------------------------------------------------

def _splice(site: Site, env: str, state: BuildState, index: EditIndex, edited: list[Edited], layouts: Layouts,
            before: list[tuple[str, str]], ahead: _Ahead, started: int,
            new_manifest: NewManifest, drafts: list[tuple[EditRecord, tuple[str, EditRecord]]]) \
        -> tuple[Outcome, EditIndex, BuildState] | None:
    from smmgen import manifest
    from smmgen.build import integration_edit
    from smmgen.build.incremental import Outcome
    from smmgen.build.integration import settings
    from smmgen.build.manifest_file import entry_text
    from smmgen.build.settled import ledger_states

    data = index.data
    out = site.output_dir
    # The manifest: each edited article's entries sit in one block of its month's part (``NewManifest`` checked
    # the parts are still the files the last build wrote). Their new bytes are written (in a thread) while the
    # rest is made.
    position = {entry[0]: n for n, entry in enumerate(data["order"])}
    ledger = ledger_states(site)
    tz = site.timezone
    blocks = []
    for one in edited:
        n = position.get(one.article.source)
        if n is None or data["order"][n][2] == 0 or not one.output.entries:
            return None
        row = data["order"][n]
        if manifest.period(one.article.date, tz) != row[4]:
            return None                         # moved to another month's part: the full build
        text = b",\n".join(entry_text(manifest.as_written(e.json, ledger))
                           for e in sorted(one.output.entries, key=lambda e: e.id))
        blocks.append(Block(row[4], row[1], row[2], text, n, one))
    blocks.sort(key=lambda b: (b.month, b.start))
    if not new_manifest.write(blocks):
        return None
    files: dict[str, bytes] = {}
    for one in edited:
        own = _files(site, one)
        if own is None:
            return None
        files.update(own)
    cards = _cards(site, data["shared"], edited)
    if cards is None:
        return None
    preview = _preview(site, index, edited, layouts)
    if preview is None:
        return None
    pages, preview_record = preview
    if not all(relative.startswith("preview/") and ".." not in relative.split("/") for relative, _ in pages):
        return None

    for relative in (*files, *(relative for relative, _ in pages), *cards.removed):
        if not _plain_or_missing(out, relative):
            return None                         # a link on its way: the full build says what to do
    # The site's own files ([integration]): made here, written once output/ is.
    chosen = settings(site)
    site_patch = None
    if chosen is not None:
        site_patch = integration_edit.prepare(site, chosen, edited, cards.removed, data.get("site_record"))
        if site_patch is None:
            return None
    if not _is_digest(state.outputs):
        return None
    total = int(state.outputs, 16)
    # Everything is made: from here on output/ changes. The index goes first, so that a write that stops
    # halfway leaves no index to trust.
    edit_index.forget(site)
    recorded = {f[0]: f[1:] for one in edited for f in (*one.record.files, *one.record.cards)}
    changed = 0
    shares: list[tuple[str, tuple[int, int] | None, tuple[int, int] | None]] = []   # (path, before, after)
    token = secrets.token_hex(4)
    for relative, content in (*files.items(), *pages):
        path = out / relative
        now = _stat(path)
        was = recorded.get(relative, now)
        if now is not None and now[0] == len(content) and path.read_bytes() == content:
            if was != now:
                shares.append((relative, was, now))
            continue
        _replace(path, content, token, durable=False)
        shares.append((relative, was, _stat(path)))
        changed += 1
    staged = set().union(*(one.staged for one in edited))
    staging.commit(site, staged)
    for relative in sorted(staged):             # drawn again where its file had gone: its old share goes
        shares.append((relative, recorded.get(relative), _stat(out / relative)))
        changed += 1
    # What does not hang on the manifest's new stat is made while its last bytes are written and synced.
    summary = _summary(site, state.summary, data, edited, blocks, cards.count)
    ahead.make()
    new_inputs = ahead.inputs
    _next_index(site, index, edited, blocks, shares, recorded, ahead, started, new_inputs, cards.shared,
                preview_record)
    for _, (source, record) in drafts:
        index.put(source, record, site)
    manifest_files = new_manifest.replace()
    if manifest_files is not None:
        shares += manifest_files
        changed += len(manifest_files)
    for relative in cards.removed:
        try:
            os.unlink(out / relative)
        except FileNotFoundError:
            pass
        shares.append((relative, recorded.get(relative), None))
    if site_patch is not None:
        changed += integration_edit.apply(site, site_patch)
        data["site_record"] = edit_index.site_record(site)
    for relative, was, now in shares:
        if was is not None:
            total -= file_hash(relative, *was)
        if now is not None:
            total += file_hash(relative, *now)
    new_state = BuildState(inputs=new_inputs, read=state.read, outputs=as_digest(total), summary=summary)
    _write(edit_index.folder(site) / "state.json", env, [_state_line(new_state, state, data)])
    for relative, _, now in manifest_files or ():
        data["manifest"][relative] = list(now)
    index.save()
    touched = tuple((relative, now) for relative, was, now in shares if was != now)
    return Outcome(summary, changed, (), False, None, edited=True, touched=touched), index, new_state


class _Ahead:
    """What the edit's index and state will say that does not hang on the edited articles' share (the inputs'
    hash, the article files' stats), and the preview's last record decoded, made while the helper makes the articles
    (``make``), when the build's process would otherwise wait: the stats alone are two megabytes of JSON at
    10,000 articles."""

    def __init__(self, site: Site, env: str, before: list[tuple[str, str]], read: Sequence[str], others: bytes,
                 stats: dict, index: EditIndex):
        self._made: tuple[str, tuple[dict, str], Any] | None = None
        self._make = lambda: (
            _inputs_of(site, env, before, read, others),
            _encoded({path: [*st_, sha] for path, (st_, sha) in stats.items()}),
            index.preview())        # decoded now, for the preview's patch

    def make(self) -> None:
        if self._made is None:
            self._made = self._make()

    @property
    def inputs(self) -> str:
        self.make()
        return self._made[0]        # type: ignore[index]

    @property
    def files(self) -> tuple[dict, str]:
        """edit.json's ``files``, and its text."""
        self.make()
        return self._made[1]        # type: ignore[index]


def _inputs_of(site: Site, env: str, before: list[tuple[str, str]], read: Sequence[str], others: bytes) -> str:
    from smmgen.build.incremental import _inputs

    return _inputs(site, env, before, read, others)


def _encoded(value: Any) -> tuple[Any, str]:
    return value, edit_index._dumps(value)


def _summary(site: Site, summary: Any, data: dict, edited: list[Edited], blocks: list, cards: int) -> Any:
    """The build's summary after the edit: the plan's values are the same, so the counts and times are; the
    warnings and cards may not be (``cards``: distinct cards added less those removed). The index's counts of
    warnings (``data``) are set to the new ones."""
    from smmgen.build.pipeline import default_image_warnings, shows_undescribed_default

    warnings = list(summary.warnings)
    # The site's own warnings come first: the one about the default image counts the articles showing it.
    shown = data["default_shown"] + sum(shows_undescribed_default(one.article, site) - one.record.default_shown
                                        for one in edited)
    if shown != data["default_shown"]:
        own = [(w.source, w.platform, w.message) for w in default_image_warnings(site, shown)]
        warnings[:data["site_warnings"]] = own
        data["site_warnings"], data["default_shown"] = len(own), shown
    offset, cursor = data["site_warnings"], 0
    for block in sorted(blocks, key=lambda b: b.row):
        n, one = block.row, block.edited
        while cursor < n:
            offset += data["order"][cursor][3]
            cursor += 1
        own = [(c.source, c.platform, w) for c in one.cuts for w in c.warnings]
        warnings[offset:offset + data["order"][n][3]] = own
        offset += len(own)
        cursor += 1
        data["order"][n][3] = len(own)
    return replace(summary, warnings=tuple(warnings), cards=summary.cards + cards)


def _next_index(site: Site, index: EditIndex, edited: list[Edited], blocks: list, shares: list, recorded: dict,
                ahead: _Ahead, started: int, inputs: str, shared: dict[str, int], preview_record: Any) -> None:
    """The index for the next edit, but for the manifest's new stat: the edited articles' records and where
    every article's entries now sit; its large parts encoded now (``EditIndex.encode``)."""
    from smmgen.build.pipeline import shows_undescribed_default

    data = index.data
    shift_rows(data["order"], blocks)
    after = {relative: now for relative, _, now in shares if now is not None}
    for one in edited:
        index.put(one.article.source, replace(
            one.record, sha=one.sha,
            files=tuple((f[0], *after.get(f[0], f[1:])) for f in one.record.files),
            cards=tuple((c, *(after.get(c) or recorded[c])) for c in sorted({c.path for c in one.cards.values()})),
            default_shown=shows_undescribed_default(one.article, site), date=one.article.date.isoformat()), site)
    index.encoded("files", *ahead.files)
    data["written"] = started
    data["inputs"] = inputs
    data["shared"] = shared
    data["preview"] = preview_record
    index.encode("order", "preview")


_LATEST = ("\0latest\0",)


def _state_line(new: BuildState, old: BuildState, data: dict) -> str:
    """state.json's line for ``new``. Its summary's ``latest`` (a time per article: most of the line, and an edit
    does not change it) is written as the index keeps it encoded (``data["latest"]``, made once per full build),
    not encoded again."""
    codec = _codec(None, state=True)
    known = data.get("latest")
    if not (type(known) is list and len(known) == 2 and known[0] == old.inputs and type(known[1]) is str):
        known = [old.inputs, _json(codec.encode(new.summary.latest)["t"])]
    line = codec.dumps([replace(new, summary=replace(new.summary, latest=_LATEST))])
    marker = _json(list(_LATEST))
    data["latest"] = [new.inputs, known[1]]
    if line.count(marker) != 1:
        return codec.dumps([new])
    return line.replace(marker, known[1])


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class _CardChange:
    removed: tuple[str, ...]                  # card files no article shows any more
    count: int                                # distinct cards added less those removed
    shared: dict[str, int]                    # the index's new ``shared``


def _cards(site: Site, shared: dict[str, int], edited: list[Edited]) -> _CardChange | None:
    """What the edit does to output/cards: None when a new card of an edited article is a file already there
    that it did not show before (another article's: who else shows it is not known here)."""
    owners: Counter[str] = Counter()
    known: dict[str, int] = {}
    for one in edited:
        for path, *_ in one.record.cards:
            known[path] = shared.get(path, 1)
            owners[path] -= 1
        for path in {card.path for card in one.cards.values()}:
            owners[path] += 1
            if path not in known:
                if path not in one.staged:
                    return None
                known[path] = 0
    shared = dict(shared)
    removed, count = [], 0
    for path, delta in owners.items():
        was = known[path]
        now = was + delta
        if now == 0 and was > 0:
            removed.append(path)
            count -= 1
        elif was == 0 and now > 0:
            count += 1
        if now > 1:
            shared[path] = now
        else:
            shared.pop(path, None)
    return _CardChange(tuple(sorted(removed)), count, shared)


def _replace(path: Path, content: bytes, token: str, durable: bool) -> None:
    from smmgen.output_files import create

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{token}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        create(tmp, content, durable=durable)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _plain_or_missing(out: Path, relative: str) -> bool:
    """``relative`` in output/ is a plain file or none, in real folders (a link to a folder would have the edit
    write through it, where the full build refuses it)."""
    path = str(out)
    parts = relative.split("/")
    for n, part in enumerate(parts):
        path = os.path.join(path, part)
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return True
        if not (stat.S_ISREG(mode) if n == len(parts) - 1 else stat.S_ISDIR(mode)):
            return False
    return True


def _is_digest(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)
