"""Card files: formats and sizes per target, byte budgets, the same bytes every time, nothing drawn twice."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from PIL import Image

from smmgen.cards import DEFAULT_LAYOUT_DIR, TARGETS, CardRequest, render_cards
from smmgen.cards.encode import OverBudget, encode
from smmgen.cards.targets import TargetSpec

DIRS = [DEFAULT_LAYOUT_DIR]


@pytest.fixture(scope="module")
def noisy_hero(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4000x3000 of pure noise, the worst case for JPEG size."""
    p = tmp_path_factory.mktemp("hero") / "noise.jpg"
    Image.frombytes("RGB", (4000, 3000), random.Random(7).randbytes(4000 * 3000 * 3)).save(p, quality=95)
    return p


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("photo") / "photo.jpg"
    im = Image.linear_gradient("L").resize((1600, 1000)).convert("RGB")
    im.paste((200, 80, 40), (900, 200, 1300, 700))
    im.save(p, quality=90)
    return p


def _req(target: str, hero: Path | None, title: str = "Council approves the budget", **kw: object) -> CardRequest:
    fields: dict[str, object] = {
        "target": target, "layout": "photo" if hero else "default", "title": title, "site_name": "The Example",
        "kicker": "Politics", "date_text": "1 May 2026", "lang": "en", "hero": hero, "focus": None,
        "alt": "A photo", "source": "content/a.md", "line": 3}
    fields.update(kw)
    return CardRequest(**fields)  # type: ignore[arg-type]


def test_targets_have_documented_sizes_formats_and_budgets() -> None:
    assert (TARGETS["og"].width, TARGETS["og"].height, TARGETS["og"].max_bytes) == (1200, 630, 1_000_000)
    assert (TARGETS["x"].width, TARGETS["x"].height) == (1200, 675) and TARGETS["x"].max_bytes < 5_000_000
    assert TARGETS["instagram"].formats == ("jpeg",) and (TARGETS["instagram"].width,
                                                          TARGETS["instagram"].height) == (1080, 1350)
    assert TARGETS["instagram"].max_bytes <= 8_000_000 and TARGETS["telegram"].max_bytes <= 10_000_000
    assert all(t.source for t in TARGETS.values())


def test_each_target_gets_its_size_and_format(photo: Path, tmp_path: Path) -> None:
    reqs = [_req(t, photo) for t in TARGETS] + [_req(t, None) for t in TARGETS]
    cards = render_cards(reqs, layout_dirs=DIRS, out_dir=tmp_path)
    for r in reqs:
        c = cards[r]
        spec = TARGETS[r.target]
        assert (c.width, c.height) == (spec.width, spec.height)
        assert c.bytes <= spec.max_bytes and c.target == r.target and c.alt == r.alt
        expected = "jpeg" if r.hero is not None or spec.formats == ("jpeg",) else "png"
        assert c.format == expected
        with Image.open(tmp_path / c.path) as im:
            assert im.format.lower() == c.format and im.size == (c.width, c.height)
            assert not im.getexif() and "icc_profile" not in im.info  # no metadata in the files
        data = (tmp_path / c.path).read_bytes()
        assert c.sha256 == hashlib.sha256(data).hexdigest() and c.bytes == len(data)
        assert c.path.startswith("cards/") and c.path.endswith(".jpg" if c.format == "jpeg" else ".png")


def test_noisy_hero_og_card_stays_under_a_million_bytes(noisy_hero: Path, tmp_path: Path) -> None:
    req = _req("og", noisy_hero)
    card = render_cards([req], layout_dirs=DIRS, out_dir=tmp_path)[req]
    assert card.bytes <= 1_000_000 and card.format == "jpeg"
    assert card.width >= TARGETS["og"].min_width


def test_encode_steps_down_then_gives_up_clearly() -> None:
    noise = Image.frombytes("RGB", (1200, 630), random.Random(1).randbytes(1200 * 630 * 3))
    roomy = TargetSpec("t", 1200, 630, ("jpeg",), 10_000_000, 600, "test")
    first = encode(noise, "jpeg", roomy)
    tight = TargetSpec("t", 1200, 630, ("jpeg",), len(first.data) // 2, 600, "test")
    smaller = encode(noise, "jpeg", tight)
    assert len(smaller.data) <= tight.max_bytes
    hopeless = TargetSpec("t", 1200, 630, ("jpeg",), 5_000, 600, "test")
    with pytest.raises(OverBudget, match="does not fit 5,000 bytes"):
        encode(noise, "jpeg", hopeless)


def test_same_inputs_give_the_same_bytes(photo: Path, tmp_path: Path) -> None:
    reqs = [_req("og", photo), _req("og", None), _req("instagram", photo, title="東京の予算 🎉", lang="ja")]
    a = render_cards(reqs, layout_dirs=DIRS, out_dir=tmp_path / "a")
    b = render_cards(reqs, layout_dirs=DIRS, out_dir=tmp_path / "b")
    for r in reqs:
        assert a[r] == b[r]
        assert (tmp_path / "a" / a[r].path).read_bytes() == (tmp_path / "b" / b[r].path).read_bytes()


def test_worker_processes_give_identical_cards(photo: Path, tmp_path: Path) -> None:
    reqs = [_req(t, photo, source=f"content/{i}.md") for i, t in enumerate(("og", "x"))]
    reqs += [_req("og", None, title=f"Flat card {i}", source=f"content/f{i}.md") for i in range(3)]
    one = render_cards(reqs, layout_dirs=DIRS, out_dir=tmp_path / "one")
    two = render_cards(reqs, layout_dirs=DIRS, out_dir=tmp_path / "two", workers=2)
    assert one == two


def test_second_run_draws_nothing(photo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reqs = [_req("og", photo), _req("x", photo), _req("og", None)]
    first = render_cards(reqs, layout_dirs=DIRS, out_dir=tmp_path)
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "cards").iterdir()}

    from smmgen.cards import batch

    def no_drawing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached card was drawn again")

    monkeypatch.setattr(batch, "render", no_drawing)
    second = render_cards(reqs, layout_dirs=DIRS, out_dir=tmp_path)
    assert second == first
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "cards").iterdir()} == stamps


def test_with_a_stage_new_files_go_there_and_files_in_either_folder_are_used(
        photo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, stage = tmp_path / "out", tmp_path / "stage"
    old = _req("og", None, title="Already in output")
    first = render_cards([old], layout_dirs=DIRS, out_dir=out)
    reqs = [old, _req("og", photo), _req("x", photo)]
    staged: set[str] = set()
    cards = render_cards(reqs, layout_dirs=DIRS, out_dir=out, stage=stage, staged=staged)
    assert cards[old] == first[old] and cards[old].path not in staged
    assert staged == {cards[r].path for r in reqs[1:]} and all(p.startswith("cards/") for p in staged)
    assert sorted(p.name for p in (out / "cards").iterdir()) == [Path(first[old].path).name]
    assert {f"cards/{p.name}" for p in (stage / "cards").iterdir()} == staged
    assert all((stage / p).read_bytes() for p in staged)

    # A staged file is found again, as staged, without drawing.
    from smmgen.cards import batch

    def no_drawing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a staged card was drawn again")

    monkeypatch.setattr(batch, "render", no_drawing)
    again: set[str] = set()
    assert render_cards(reqs, layout_dirs=DIRS, out_dir=out, stage=stage, staged=again) == cards
    assert again == staged


def test_cache_key_follows_the_inputs(photo: Path, tmp_path: Path) -> None:
    base = render_cards([_req("og", photo)], layout_dirs=DIRS, out_dir=tmp_path)
    path = next(iter(base.values())).path
    changed = [_req("og", photo, title="Another title"), _req("og", photo, focus=(0.1, 0.9)),
               _req("og", photo, kicker="Sport"), _req("x", photo)]
    for r in changed:
        assert render_cards([r], layout_dirs=DIRS, out_dir=tmp_path)[r].path != path
    # Not drawn by this layout, so not in the key: the alt text and the article path.
    same = _req("og", photo, alt="Other alt", source="content/b.md")
    assert render_cards([same], layout_dirs=DIRS, out_dir=tmp_path)[same].path == path


def test_one_drawing_serves_targets_of_the_same_size(photo: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from smmgen.cards import batch

    calls = []
    real = batch.render

    def counting(*args: object, **kwargs: object) -> Image.Image:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "render", counting)
    reqs = [_req("og", photo), _req("vk", photo), _req("x", photo), _req("mastodon", photo)]
    render_cards(reqs, layout_dirs=DIRS, out_dir=tmp_path)
    assert len(calls) == 2  # 1200x630 once (og, vk) and 1200x675 once (x, mastodon)


def test_a_group_looks_for_each_card_file_once(photo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Targets of one drawing name the same file: og and vk looked for it twice, x, Mastodon and Telegram three
    # times, in a cold build where no file is there.
    import os

    from smmgen.cards import batch

    looked: list[str] = []
    real_open = os.open

    def opening(path: object, *args: object, **kwargs: object) -> int:
        if Path(str(path)).parent.name == "cards" and Path(str(path)).suffix in (".jpg", ".png"):
            looked.append(Path(str(path)).name)
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch.os, "open", opening)
    reqs = [_req(t, photo) for t in ("og", "vk", "x", "mastodon", "telegram", "instagram")]
    render_cards(reqs, layout_dirs=DIRS, out_dir=tmp_path)
    # og/vk's best file, x/mastodon/telegram's and Instagram's, and each target's own rung's (none is needed)
    assert len(looked) == len(set(looked)) == 9


def test_targets_whose_budget_the_best_encoding_fits_share_one_file(photo: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from smmgen.cards import batch

    reqs = {t: _req(t, photo) for t in ("og", "vk", "x", "mastodon", "telegram")}
    cards = render_cards(list(reqs.values()), layout_dirs=DIRS, out_dir=tmp_path / "a")
    assert cards[reqs["og"]].path == cards[reqs["vk"]].path
    assert cards[reqs["x"]].path == cards[reqs["mastodon"]].path == cards[reqs["telegram"]].path
    assert len(list((tmp_path / "a" / "cards").iterdir())) == 2

    # A budget the best encoding does not fit gets its own, smaller file; the others keep sharing.
    og_bytes = cards[reqs["og"]].bytes
    monkeypatch.setitem(batch.TARGETS, "vk", replace(TARGETS["vk"], max_bytes=og_bytes - 1))
    tight = render_cards([reqs["og"], reqs["vk"]], layout_dirs=DIRS, out_dir=tmp_path / "b")
    assert tight[reqs["og"]] == cards[reqs["og"]]
    assert tight[reqs["vk"]].path != tight[reqs["og"]].path and tight[reqs["vk"]].bytes < og_bytes
    # Found again by name, for either order of the requests, without drawing.
    monkeypatch.setattr(batch, "render", None)
    assert render_cards([reqs["vk"], reqs["og"]], layout_dirs=DIRS, out_dir=tmp_path / "b") == tight


def test_png_rows_are_written_unfiltered_and_read_back_exactly() -> None:
    import io
    import struct
    import zlib

    from smmgen.cards.encode import png

    im = Image.frombytes("RGB", (301, 157), random.Random(3).randbytes(301 * 157 * 3))
    data = png(im)
    assert data == png(im)
    with Image.open(io.BytesIO(data)) as back:
        assert back.format == "PNG" and back.mode == "RGB" and back.tobytes() == im.tobytes()
    chunks, at = {}, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        chunks[data[at + 4:at + 8]] = data[at + 8:at + 8 + length]
        at += 12 + length
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]  # nothing but the pixels
    raw = zlib.decompress(chunks[b"IDAT"])
    assert len(raw) == 157 * (1 + 301 * 3) and set(raw[::1 + 301 * 3]) == {0}  # filter type 0 on every row
    with Image.open(io.BytesIO(png(im.convert("L")))) as grey:
        assert grey.mode == "RGB" and grey.size == im.size


def test_a_site_checked_out_elsewhere_draws_the_same_card_files(tmp_path: Path) -> None:
    # Card files are named by what they show; where the layout and its logo sit is no part of that.
    names = []
    for where in ("one", "elsewhere/two"):
        layouts = tmp_path / where / "layouts" / "cards"
        layouts.mkdir(parents=True)
        for name in ("default.toml", "logo.png"):
            (layouts / name).write_bytes((DEFAULT_LAYOUT_DIR / name).read_bytes())
        req = _req("og", None)
        card = render_cards([req], layout_dirs=[layouts], out_dir=tmp_path / where / "output")[req]
        names.append((card.path, card.sha256))
    assert names[0] == names[1]
    # A different logo is a different card.
    other = tmp_path / "three" / "layouts" / "cards"
    other.mkdir(parents=True)
    (other / "default.toml").write_bytes((DEFAULT_LAYOUT_DIR / "default.toml").read_bytes())
    Image.new("RGBA", (64, 64), (200, 30, 30, 255)).save(other / "logo.png")
    req = _req("og", None)
    assert render_cards([req], layout_dirs=[other], out_dir=tmp_path / "three" / "output")[req].path != names[0][0]
