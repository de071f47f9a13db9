"""The build cache's data-only format (smmgen.build.cache_codec): every stored type comes back exactly, anything else is
refused, and reading a file never runs code."""

from __future__ import annotations

import builtins
import datetime as dt
import json
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen.build import cache_files
from smmgen.build.cache import ArticleRecord, BuildCache, _classes, _codec
from smmgen.build.cache_codec import CacheFormatError, Codec
from smmgen.build.cache_tables import Tables
from smmgen.build.incremental import build_site
from smmgen.cards.model import Card, CardRequest
from smmgen.config.site import load_site
from smmgen.content.article import Article, PlatformOverride, Social
from smmgen.plan.schedule import Timing
from smmgen.platforms.base import Cut, MediaRef

BERLIN, TOKYO, UTC_ZONE = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Tokyo"), ZoneInfo("UTC")
ZONES = (BERLIN, TOKYO, UTC_ZONE)
CODEC = Codec(_classes(False), ZONES)


def round_trip(value, codec: Codec = CODEC):
    return codec.loads(codec.dumps(value))


def shape(value) -> object:
    """``value`` with every type spelled out: a tuple is not a list, a MappingProxyType not a dict, one time zone not
    another (the build's keys hash reprs, so a value that came back different in any of these would be made again
    every build). Only a frozenset's order, which its repr shows but nothing depends on, is left out."""
    kind = type(value)
    if kind in (tuple, list):
        return kind.__name__, [shape(v) for v in value]
    if kind is frozenset:
        return "frozenset", sorted(repr(shape(v)) for v in value)
    if kind in (dict, MappingProxyType):
        return kind.__name__, [(shape(k), shape(v)) for k, v in value.items()]
    if hasattr(value, "__dataclass_fields__"):
        return kind.__name__, [(name, shape(getattr(value, name))) for name in value.__dataclass_fields__]
    return kind.__name__, repr(value)


def same(a, b) -> None:
    assert a == b
    assert shape(a) == shape(b)


# --- values ----------------------------------------------------------------------------------------------------

texts = st.text(max_size=12)
naive = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1))
offsets = st.builds(lambda m: dt.timezone(dt.timedelta(minutes=m)), st.integers(-23 * 60, 23 * 60))
datetimes = st.one_of(
    naive,
    naive.map(lambda d: d.replace(tzinfo=dt.UTC)),
    st.builds(lambda d, tz: d.replace(tzinfo=tz), naive, offsets),
    st.builds(lambda d, tz, fold: d.replace(tzinfo=tz, fold=fold), naive, st.sampled_from(ZONES),
              st.integers(0, 1)),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts,
                    datetimes, st.dates(), st.timedeltas(), st.builds(Path, texts), st.binary(max_size=12))
hashables = st.recursive(scalars, lambda inner: st.one_of(st.tuples(inner, inner), st.frozensets(inner, max_size=3)),
                         max_leaves=6)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.frozensets(hashables, max_size=4),
        st.dictionaries(hashables, inner, max_size=4),
        st.dictionaries(texts, inner, max_size=4).map(MappingProxyType),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(values)
def test_every_allowed_value_comes_back_exactly(value) -> None:
    same(round_trip(value), value)


def test_zoned_times_keep_their_zone_object_and_fold() -> None:
    # 02:30 on 2026-10-25 happens twice in Berlin: fold tells the two apart (their UTC instants differ).
    first = dt.datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN)
    second = first.replace(fold=1)
    for when in (first, second):
        back = round_trip(when)
        same(back, when)
        assert back.tzinfo is BERLIN and back.fold == when.fold and back.utcoffset() == when.utcoffset()


def test_text_with_a_lone_surrogate_and_newlines_stays_one_line() -> None:
    text = "a\ud800b\nc\u2028d"
    line = CODEC.dumps((text,))
    assert "\n" not in line
    same(round_trip((text,)), (text,))


# --- the project's own classes ---------------------------------------------------------------------------------

def _stamps():
    return st.tuples(st.integers(-1, 10**12), st.integers(0, 2**63), st.integers(0, 2**40))


timings = st.builds(Timing, field=texts, line=st.none() | st.integers(1, 999),
                    expire_after=st.none() | st.timedeltas(), basis=st.sampled_from(["date", "explicit", "slot"]))
extras = st.dictionaries(texts, st.recursive(st.none() | st.booleans() | st.integers() | texts,
                                             lambda inner: st.lists(inner, max_size=3)
                                             | st.lists(inner, max_size=3).map(tuple)
                                             | st.dictionaries(texts, inner, max_size=3).map(MappingProxyType),
                                             max_leaves=8), max_size=4).map(MappingProxyType)
utc_times = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)).map(
    lambda d: d.replace(tzinfo=dt.UTC))
cuts = st.builds(
    Cut, id=texts, platform=texts, source=texts, slug=texts, parts=st.lists(texts, max_size=3).map(tuple),
    lengths=st.lists(st.integers(0, 999), max_size=3).map(tuple), limit=st.integers(1, 5000), unit=texts,
    link=st.none() | texts, tags=st.lists(texts, max_size=3).map(tuple),
    media=st.lists(st.builds(MediaRef, target=texts, role=texts, alt=texts), max_size=2).map(tuple),
    publish_at=utc_times, expire_at=st.none() | utc_times, warnings=st.lists(texts, max_size=2).map(tuple),
    errors=st.lists(texts, max_size=2).map(tuple), extra=extras, timing=st.none() | timings)
zoned = st.builds(lambda d, z: d.replace(tzinfo=z), naive, st.sampled_from(ZONES))
overrides = st.builds(PlatformOverride, text=st.none() | texts, publish_at=st.none() | zoned,
                      expire_after=st.none() | st.timedeltas(), thread=st.none() | st.booleans())
articles = st.builds(
    Article, source=texts, slug=texts, title=texts, date=zoned | datetimes.filter(lambda d: d.tzinfo is not None),
    lang=texts, summary=texts, body_text=texts, tags=st.lists(texts, max_size=3).map(tuple),
    section=st.none() | texts, url=texts, image=st.none() | st.builds(Path, texts), image_alt=texts,
    image_focus=st.none() | st.tuples(st.floats(0, 1), st.floats(0, 1)), card=st.none() | texts,
    draft=st.booleans(), retracted=st.booleans(),
    social=st.builds(Social, platforms=st.none() | st.lists(texts, max_size=2).map(tuple),
                     publish_at=st.none() | zoned, expire_after=st.none() | st.timedeltas(),
                     overrides=st.dictionaries(texts, overrides, max_size=2).map(MappingProxyType)),
    lines=st.dictionaries(texts, st.integers(1, 500), max_size=4).map(MappingProxyType))
records = st.builds(ArticleRecord, sha=texts, deps=st.lists(st.tuples(texts, _stamps(), st.none() | texts),
                                                              max_size=2).map(tuple),
                    article=articles, cuts=st.none() | st.lists(cuts, max_size=3).map(tuple), plan_reads=texts)
requests = st.builds(CardRequest, target=texts, layout=texts, title=texts, site_name=texts, kicker=st.none() | texts,
                     date_text=st.none() | texts, lang=texts, hero=st.none() | st.builds(Path, texts),
                     focus=st.none() | st.tuples(st.floats(0, 1), st.floats(0, 1)), alt=texts, source=texts,
                     line=st.none() | st.integers(1, 99))
cards = st.builds(Card, path=texts, width=st.integers(1, 4000), height=st.integers(1, 4000),
                  bytes=st.integers(0, 10**7), sha256=texts, format=st.sampled_from(["jpeg", "png"]), alt=texts,
                  target=texts)


@settings(max_examples=60, deadline=None)
@given(records)
def test_article_records_come_back_exactly(record: ArticleRecord) -> None:
    same(round_trip(record), record)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.tuples(requests, st.none() | texts), cards, max_size=3))
def test_cards_by_request_come_back_exactly_and_hash_as_new(by_request: dict) -> None:
    back = round_trip(by_request)
    same(back, by_request)
    for request in by_request:      # a decoded request hashes afresh (it carries no hash from another process)
        assert back[request] is not None


def test_every_record_and_card_of_a_real_build_comes_back_exactly(sample_site: Path) -> None:
    site = load_site(sample_site)
    assert not build_site(site, workers=1).errors
    cache = BuildCache.load(site)
    assert cache.articles and cache.cards and cache.plan
    codec = _codec(site)
    for source, record in cache.articles.items():
        same(codec.loads(codec.dumps(record)), record)
    same(codec.loads(codec.dumps(cache.cards)), cache.cards)
    same(codec.loads(codec.dumps(cache.plan)), cache.plan)


# --- what is refused --------------------------------------------------------------------------------------------

class Unknown:
    pass


@pytest.mark.parametrize("value", [Unknown(), {1, 2}, bytearray(b"x"), print, dt.time(1, 2), 1j,
                                   dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1), "CET"))])
def test_a_type_not_allowed_is_not_written(value) -> None:
    with pytest.raises(TypeError):
        CODEC.dumps(("ok", value))


@pytest.mark.parametrize("text", [
    "",                                                    # empty
    '{"t":[1,2',                                           # truncated
    '{"os.system":["touch /tmp/x"]}',                      # a name to call: an unknown tag, nothing more
    '{"builtins.eval":["1"]}',
    '{"t":[1],"d":[]}',                                    # two tags
    "{}",
    '{"t":5}',                                             # a tag without its list
    '{"d":[1]}',                                           # a key without a value
    '{"d":[[1],2]}',                                       # a key that cannot be a key
    '{"Card":["a",1,2,3,"s","png","alt"]}',                # a field short
    '{"Card":["a","1",2,3,"s","png","alt","og"]}',         # a field of the wrong type
    '{"dz":["2026-01-01T00:00:00","America/New_York",0]}',  # a zone the site does not use
    '{"dz":["2026-01-01T00:00:00","../../etc/passwd",0]}',
    '{"dt":"yesterday"}',
    '{"td":[1,"2",3]}',
    '{"b":"not base64!"}',
    "[" * 100_000 + "]" * 100_000,                         # nesting deeper than any cache holds
    '{"t":' * 50_000 + "1" + "}" * 50_000,
    "NaNx",
])
def test_anything_else_is_a_format_error_and_runs_nothing(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    imported = []
    real_import = builtins.__import__
    monkeypatch.setattr(builtins, "__import__", lambda name, *a, **k: imported.append(name) or real_import(name, *a, **k))
    with pytest.raises(CacheFormatError):
        CODEC.loads(text)
    assert imported == []


def test_only_tags_are_objects() -> None:
    # A dict is written as a tagged list of pairs, so no JSON object in a file is ever taken for data.
    assert json.loads(CODEC.dumps({"t": (1,)})) == {"d": ["t", {"t": [1]}]}


# --- the same values stored by columns (smmgen.build.cache_tables) ---------------------------------------------

TABLES = Tables(CODEC)


def as_written(data, side: list) -> tuple:
    """Plain data and the values put aside, as a file gives them back: the one parsed without a hook, the other by
    the codec."""
    return json.loads(json.dumps(data)), CODEC.loads(CODEC._json(side))


def through_tables(objs: list) -> dict[str, list]:
    writer = TABLES.writer()
    rows = [writer.add(obj) for obj in objs]
    made = TABLES.read(*as_written(writer.dump(), writer.side))
    return {tag: values for tag, values in made.items()} | {"rows": rows}


@settings(max_examples=60, deadline=None)
@given(st.lists(records, max_size=3))
def test_article_records_stored_by_columns_come_back_exactly(given_records: list) -> None:
    back = through_tables(given_records)
    same(back.get("ArticleRecord", []), given_records)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.tuples(requests, st.none() | texts), cards, max_size=3))
def test_cards_stored_by_columns_come_back_exactly(by_request: dict) -> None:
    back = cache_files.section_in(TABLES, "cards", *as_written(*cache_files.section_out(TABLES, "cards", by_request)))
    same(back, by_request)
    for request in by_request:
        assert back[request] is not None


def test_every_record_card_and_plan_of_a_real_build_comes_back_by_columns(sample_site: Path) -> None:
    site = load_site(sample_site)
    assert not build_site(site, workers=1).errors
    cache = BuildCache.load(site)
    assert cache.articles and cache.cards and cache.plan and cache.index and cache.entries
    tables = cache_files._table_codec(site)
    records = list(cache.articles.values())
    same(list(cache_files.articles_in(tables, *as_written(*cache_files.articles_out(tables, records))).values()),
         records)
    for section in ("cards", *cache_files.SECTIONS):
        value = cache._heroes_used() if section == "heroes" else getattr(cache, section)
        same(cache_files.section_in(tables, section, *as_written(*cache_files.section_out(tables, section, value))),
             value)
    same(cache_files.index_in(json.loads(json.dumps(cache_files.index_out(cache.index)))), cache.index)


def test_a_plan_without_timings_comes_back(sample_site: Path) -> None:
    # No cut has a timing, or there is no cut at all: the plan's table of timings is then empty.
    tables = cache_files._table_codec(load_site(sample_site))
    when = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
    for plan in (("s", []), ("s", [((when, None, None), ("a warning",))])):
        same(cache_files.section_in(tables, "plan", *as_written(*cache_files.section_out(tables, "plan", plan))), plan)


@pytest.mark.parametrize("data", [
    [], None, "x", {"os.system": [1, [["touch /tmp/x"]]]},                 # not tables, or a class it does not store
    {"MediaRef": [1, [["a"], ["b"]]]},                                     # a column short
    {"MediaRef": [2, [["a"], ["b"], ["c"]]]},                              # columns of the wrong length
    {"MediaRef": [1, [[1], ["b"], ["c"]]]},                                # a value of the wrong type
    {"MediaRef": [1, [[{"builtins.eval": ["1"]}], ["b"], ["c"]]]},         # an unknown tag in a column
    {"MediaRef": ["1", [["a"], ["b"], ["c"]]]},
    {"Cut": [1, [["i"], ["x"], ["s"], ["s"], [["t"]], [[1]], [1], ["u"], [None], [[]], [[5]], ["2026-01-01"],
                 [None], [[]], [[]], [[]], [None], [""]]]},                # a row of a table not there
    {"Timing": [1, [["f"], [1], [[1, "2", 3]], ["date"], [None], [None]]]},    # a timedelta of text
    {"Timing": [1, [["f"], [1], [None], ["date"], ["yesterday"], [None]]]},   # not a time
    {"Timing": [1, [["f"], [1], [None], ["date"], [{"dz": ["2026-01-01T00:00:00", "../../etc/passwd", 0]}],
                    [None]]]},                                             # a zone the site does not use
    {"Article": [1, [["s"]] + [[None]] * 23]},                             # fields that may not be None
    {"MediaRef": [1, ["[" * 50, ["b"], ["c"]]]},
    {"MediaRef": [1, [[{"@": 0}], ["b"], ["c"]]]},                         # a value put aside that is not there
    {"MediaRef": [1, [[{"@": -1}], ["b"], ["c"]]]},
    {"Cut": [1, [["i"], ["x"], ["s"], ["s"], [["t"]], [[1]], [1], ["u"], [None], [[]], [[]], ["2026-01-01"],
                 [None], [[]], [[]], [["k"]], [None], [""]]]},            # a mapping with a key and no value
])
def test_tables_of_anything_else_are_a_format_error_and_run_nothing(data, monkeypatch: pytest.MonkeyPatch) -> None:
    imported = []
    real_import = builtins.__import__
    monkeypatch.setattr(builtins, "__import__", lambda name, *a, **k: imported.append(name) or real_import(name, *a, **k))
    with pytest.raises(CacheFormatError):
        TABLES.read(data)
    assert imported == []


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=3),
                           max_leaves=30)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(Tables(CODEC).order)), st.integers(0, 3), st.lists(json_values, max_size=30))
def test_any_json_in_a_table_is_its_objects_or_a_format_error(tag: str, n: int, columns: list) -> None:
    try:
        made = TABLES.read({tag: [n, columns]})
    except CacheFormatError:
        return
    for obj in made[tag]:
        assert type(obj) is TABLES.classes[tag]


# --- which files of the output index a save writes again -------------------------------------------------------

entries_ = st.dictionaries(st.text(max_size=6), st.tuples(st.integers(0, 9), st.integers(0, 9), st.text(max_size=2)),
                           max_size=40)


@settings(max_examples=150, deadline=None)
@given(entries_, entries_, st.sets(st.text(max_size=6), max_size=10))
def test_the_index_files_of_a_save_are_the_index_by_path_and_unchanged_ones_are_the_very_dicts(
        first: dict, added: dict, removed: set) -> None:
    cache = BuildCache(Path("unused"), "env")
    cache.index = dict(first)
    for name, bucket in cache._index_buckets().items():       # as a save, or a load, leaves them
        cache._files[name] = ("save", bucket)
    cache._bucket_of.update({path: cache_files.index_bucket(path) for path in first})
    # The next build's index: the unchanged entries the very tuples, some changed, added or gone.
    cache.index = {path: known for path, known in first.items() if path not in removed} | added
    files = cache._index_buckets()
    expected: dict[str, dict] = {}
    for path, known in cache.index.items():
        expected.setdefault(cache_files.index_file(cache_files.index_bucket(path)), {})[path] = known
    assert files == expected
    for name, bucket in files.items():
        old = cache._files.get(name)
        if old is not None and old[1] == bucket:
            assert bucket is old[1] or not all(bucket[p] is old[1][p] for p in bucket)
