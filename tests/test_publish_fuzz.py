"""Property-based tests of the publisher's readers: random JSON, random bytes and mutations of a valid manifest
or ledger give either a correct result or one clean error naming the file (and the entry and field), never
another exception; no file outside output/ is ever opened; and a manifest or ledger that is refused posts
nothing. The run goes through ``runner.publish`` with an in-process adapter that reads every media file as an
upload would, so the whole path from the file to the "upload" is covered, without a network."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from smmgen.config.site import load_site
from smmgen.errors import SmmgenError
from smmgen.publish import registry, runner
from smmgen.publish.base import Lookup, Post, Posted
from smmgen.publish.ledger import Ledger
from smmgen.publish.manifest_reader import read_manifest

pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from support.publishing import T0, entry, write_site  # noqa: I001

# Case counts: the readers alone (READS) are cheap; a case that also runs the publisher (RUNS) writes the ledger.
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
READS = settings(max_examples=250, deadline=None, suppress_health_check=_QUIET)
RUNS = settings(max_examples=120, deadline=None, suppress_health_check=_QUIET)

# --- files the publisher must never open ----------------------------------------------------------------------

_opened: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _opened is not None and isinstance(args[0], (str, bytes, os.PathLike)):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


class Watch:
    """Every path opened inside the block, resolved."""

    def __enter__(self) -> list[str]:
        global _opened
        self.paths: list[str] = []
        _opened = self.paths
        return self.paths

    def __exit__(self, *exc: Any) -> None:
        global _opened
        _opened = None


# --- one site, reused by every example -------------------------------------------------------------------------

class World:
    def __init__(self, root: Path):
        self.site = write_site(root / "site", '[publish.mastodon]\ninstance = "http://127.0.0.1:9"\n',
                               '[publish.telegram]\nchat_id = "@c"\napi_base = "http://127.0.0.1:9"\n')
        self.config = load_site(self.site)
        self.output = self.site / "output"
        cards = self.output / "cards"
        cards.mkdir(parents=True)
        self.card = _png(cards / "card.png")
        private = root / "private"
        private.mkdir()
        self.secret = private / "secret.png"
        secret = _png(self.secret, color=(200, 0, 0))
        (cards / "out.png").symlink_to(self.secret)
        (cards / "zero.png").symlink_to("/dev/zero")
        os.mkfifo(cards / "fifo.png")
        self.forbidden = {str(self.secret.resolve()), "/etc/passwd", "/dev/zero", str((cards / "fifo.png").resolve())}
        # Adversarial paths a mutation puts into a media record, each with the sha256 and size of its target.
        self.bad_paths = [("../private/secret.png", secret), (str(self.secret), secret), ("cards/out.png", secret),
                          ("/etc/passwd", None), ("../../../../../../etc/passwd", None), ("/dev/zero", None),
                          ("cards/zero.png", None), ("cards/fifo.png", None), ("cards", None), ("", None),
                          ("cards/../../private/secret.png", secret), ("cards/card.png\x00", None)]
        self.entries = [entry("budget-vote", "mastodon", ["Budget passes", "and more"],
                              media=[{**self.card_record}], expire_at=T0 + dt.timedelta(hours=2)),
                        entry("tram-line", "telegram", "Tram line opens", publish_at=T0 - dt.timedelta(hours=1))]
        self.manifest = {"format": "smmgen-manifest", "version": 1,
                         "site": {"name": "Test Desk", "base_url": "https://courier.example", "timezone": "UTC",
                                  "cards_base_url": None},
                         "entries": self.entries}
        self.ledger = {"format": "smmgen-ledger", "version": 1, "site": "https://courier.example", "entries": {
            "budget-vote@mastodon": {"platform": "mastodon", "state": "posted", "content_hash": "sha256:" + "1" * 64,
                                     "remote_id": "17", "url": "https://social.example/@a/17",
                                     "remote": {"ids": ["17", "18"]}, "posted_at": "2026-03-02T05:00:00Z",
                                     "publish_at": "2026-03-02T05:00:00Z", "attempts": 1},
            "tram-line@telegram": {"platform": "telegram", "state": "intent", "intent_at": "2026-03-02T05:00:00Z",
                                   "entry": copy.deepcopy(self.entries[1]), "attempts": 1},
            "old-story@mastodon": {"platform": "mastodon", "state": "posted", "remote_id": "3", "remote": {}},
            "gone-story@telegram": {"platform": "telegram", "state": "deleted", "deleted_at": "2026-03-01T00:00:00Z"},
        }}

    @property
    def card_record(self) -> dict:
        return {"role": "attach", "target": "og", "path": "cards/card.png", "url": None, "width": 24, "height": 12,
                "bytes": len(self.card), "sha256": hashlib.sha256(self.card).hexdigest(), "format": "png",
                "alt": "A card"}

    def write(self, name: str, data: bytes) -> Path:
        path = self.output / "manifest.json" if name == "manifest" else self.site / ".smmgen" / "ledger.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


def _png(path: Path, color: tuple[int, int, int] = (20, 60, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 12), color).save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return out.getvalue()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("fuzz"))


# --- strategies ------------------------------------------------------------------------------------------------------

_text = st.text(alphabet=st.characters() | st.sampled_from(["\ud800", "\udfff", "\x00", "/", ".", "@"]), max_size=12)
_scalars = (st.none() | st.booleans() | st.integers() | st.integers(-2, 2**31)
            | st.floats(allow_nan=True, allow_infinity=True) | _text)
json_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(_text, inner, max_size=4), max_leaves=12)


def _nodes(value: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _nodes(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _nodes(inner, (*path, i))


def mutate(doc: Any, data: st.DataObject, world: World) -> Any:
    """One to three changes anywhere in ``doc``: a value replaced by random JSON or by another of its type, a key
    removed or added, an entry repeated, or a media path (with the sha256 and size of its target) pointed
    somewhere it must not be."""
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        paths = list(_nodes(doc))
        path = data.draw(st.sampled_from(paths), label="where")
        op = data.draw(st.sampled_from(["replace", "tweak", "remove", "add", "repeat", "media"]), label="op")
        if op == "media":
            records = [p for p in paths if len(p) >= 2 and p[-2] == "media" and isinstance(p[-1], int)]
            if records:
                target = _at(doc, data.draw(st.sampled_from(records), label="record"))
                if isinstance(target, dict):
                    bad, content = data.draw(st.sampled_from(world.bad_paths), label="path")
                    target["path"] = bad
                    if content is not None:
                        target["bytes"], target["sha256"] = len(content), hashlib.sha256(content).hexdigest()
            continue
        if not path:
            if op == "replace":
                doc = data.draw(json_values, label="value")
            continue
        parent, key = _at(doc, path[:-1]), path[-1]
        if op == "replace":
            parent[key] = data.draw(json_values, label="value")
        elif op == "tweak":         # another value of the same type: often still a valid file
            old = parent[key]
            same = (st.booleans() if isinstance(old, bool) else st.integers(-1, 600) if isinstance(old, int)
                    else _text if isinstance(old, str) else st.just(old))
            parent[key] = data.draw(same, label="value")
        elif op == "remove":
            del parent[key]
        elif op == "add" and isinstance(parent, dict):
            parent[data.draw(_text, label="key")] = data.draw(json_values, label="value")
        elif op == "repeat" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return doc


def _at(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _dump(doc: Any) -> bytes:
    return json.dumps(doc, allow_nan=True).encode()


# --- the properties --------------------------------------------------------------------------------------------------

class Recorder:
    """An adapter that posts nothing anywhere: it reads every media file (as an upload does) and records."""

    name = "fake"

    def __init__(self, created: list[str]):
        self.created = created

    def create(self, post: Post) -> Posted:
        for media in post.media:
            media.read("fake", post.entry_id)
        self.created.append(post.entry_id)
        return Posted(f"r{len(self.created)}", None, {})

    def find(self, post: Post, since: dt.datetime | None) -> Lookup:
        return Lookup.absent()

    def delete(self, posted: Posted) -> None:
        pass

    def edit(self, posted: Posted, post: Post) -> Posted:
        return posted

    def close(self) -> None:
        pass


def clean(error: SmmgenError, shown: str) -> None:
    """One line per problem, each naming the file (or, for the deletion bound, the run)."""
    lines = error.message.splitlines()
    assert lines and all(line.startswith((shown + ":", "publish: ")) for line in lines), error.message
    assert "Traceback" not in error.message


def check_manifest_bytes(world: World, data: bytes) -> None:
    path = world.write("manifest", data)
    with Watch() as opened:
        try:
            manifest = read_manifest(path, shown="output/manifest.json")
        except SmmgenError as e:
            clean(e, "output/manifest.json")
            manifest = None
    assert not {os.path.realpath(p) for p in opened} & world.forbidden
    event("refused" if manifest is None else "read")
    if manifest is not None:
        root = os.path.realpath(world.output)
        for e in manifest.entries:
            assert [m.path for m in e.media] == [Path(os.path.realpath(m.path)) for m in e.media]
            assert all(str(m.path).startswith(root + os.sep) and m.path.is_file() for m in e.media)
        assert len({e.id for e in manifest.entries}) == len(manifest.entries)


def publish_once(world: World, *, dry_run: bool) -> tuple[list[str], SmmgenError | None]:
    """``runner.publish`` with the recording adapter; the ids it created, or the error that stopped it."""
    created: list[str] = []
    site = world.config
    with (mock.patch.object(registry, "open_adapter", lambda ctx: Recorder(created)), Watch() as opened):
        try:
            list(runner.publish(site, runner.Options(now=T0, dry_run=dry_run), env={}))
            error = None
        except SmmgenError as e:
            error = e
    assert not {os.path.realpath(p) for p in opened} & world.forbidden
    return created, error


@READS
@given(st.binary(max_size=300))
def test_random_bytes_as_a_manifest(world: World, data: bytes) -> None:
    check_manifest_bytes(world, data)


@READS
@given(json_values)
def test_random_json_as_a_manifest(world: World, doc: Any) -> None:
    check_manifest_bytes(world, _dump(doc))


@READS
@given(st.lists(json_values, max_size=3))
def test_random_entries_in_a_manifest(world: World, entries: list) -> None:
    check_manifest_bytes(world, _dump({**world.manifest, "entries": entries}))


@READS
@given(st.data())
def test_mutated_manifests(world: World, data: st.DataObject) -> None:
    check_manifest_bytes(world, _dump(mutate(world.manifest, data, world)))


@RUNS
@given(st.data(), st.booleans())
def test_mutated_manifests_through_a_publish_run(world: World, data: st.DataObject, dry_run: bool) -> None:
    doc = mutate(world.manifest, data, world)
    world.write("manifest", _dump(doc))
    (world.site / ".smmgen" / "ledger.json").unlink(missing_ok=True)
    try:
        manifest = read_manifest(world.output / "manifest.json")
    except SmmgenError:
        manifest = None
    created, error = publish_once(world, dry_run=dry_run)
    event("refused" if manifest is None else f"ran, {len(created)} created")
    if manifest is None:
        assert error is not None and created == []      # refused: nothing posted
        clean(error, "output/manifest.json")
    else:
        assert error is None
        due = {e.id for e in manifest.entries if e.publish_at <= T0 and not e.retracted
               and (e.expire_at is None or e.expire_at > T0) and e.platform in registry.names()}
        # Each due entry at most once (one whose file no longer matches its sha256 fails instead).
        assert len(created) == len(set(created)) and set(created) <= (set() if dry_run else due)


def check_ledger_bytes(world: World, data: bytes, *, dry_run: bool) -> None:
    world.write("manifest", _dump(world.manifest))
    path = world.write("ledger", data)
    try:
        Ledger.load(path, shown=".smmgen/ledger.json")
        refused = False
    except SmmgenError as e:
        clean(e, ".smmgen/ledger.json")
        refused = True
    created, error = publish_once(world, dry_run=dry_run)
    event("refused" if refused else "stopped" if error is not None else f"ran, {len(created)} created")
    if refused:
        assert error is not None and created == []
        clean(error, ".smmgen/ledger.json")
    elif error is not None:
        assert created == []
        clean(error, ".smmgen/ledger.json")


@RUNS
@given(st.binary(max_size=200), st.booleans())
def test_random_bytes_as_a_ledger(world: World, data: bytes, dry_run: bool) -> None:
    check_ledger_bytes(world, data, dry_run=dry_run)


@RUNS
@given(json_values, st.booleans())
def test_random_json_as_a_ledger(world: World, doc: Any, dry_run: bool) -> None:
    check_ledger_bytes(world, _dump(doc), dry_run=dry_run)


@RUNS
@given(st.dictionaries(_text, json_values, max_size=3), st.booleans())
def test_random_records_in_a_ledger(world: World, records: dict, dry_run: bool) -> None:
    check_ledger_bytes(world, _dump({**world.ledger, "entries": records}), dry_run=dry_run)


@RUNS
@given(st.data(), st.booleans())
def test_mutated_ledgers(world: World, data: st.DataObject, dry_run: bool) -> None:
    check_ledger_bytes(world, _dump(mutate(world.ledger, data, world)), dry_run=dry_run)
