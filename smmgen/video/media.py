"""The build's video stage: each article's clip probed, each network's variant chosen, every distinct variant
encoded once (cached), posters and captions made, and each cut given its manifest video item or a warning saying
why it posts the card instead.

    articles + planned cuts -> probe (cached by stamp) -> variants.choose per cut -> encode each distinct variant
    (cached by source hash, variant, encoder) -> poster, captions -> Videos (items, warnings, errors, files)
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from smmgen.build.entries import VideoFile
from smmgen.config.accounts import account_named
from smmgen.errors import ContentError, SmmgenError
from smmgen.site_files import inside
from smmgen.video.probe import Probe, ProbeError, probe
from smmgen.video.rules import rules_for
from smmgen.video.store import MediaStore, file_sha256
from smmgen.video.variants import Fallback, TrimError, Variant, choose, too_large

if TYPE_CHECKING:
    from smmgen.config.site import Site
    from smmgen.content.article import Article
    from smmgen.platforms import Cut

log = logging.getLogger(__name__)

MAX_CAPTION_BYTES = 1024 * 1024
MAX_POSTER_PIXELS = 40_000_000
POSTER_AT = 1.0                  # seconds into the clip, or a tenth of it when shorter
CARD_INSTEAD = "posting the card instead"


@dataclass(frozen=True)
class Videos:
    """What the stage gives the build."""

    items: Mapping[str, VideoFile] = field(default_factory=lambda: MappingProxyType({}))   # cut id -> its video
    warnings: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))  # cut id ->
    errors: tuple[SmmgenError, ...] = ()
    files: Mapping[str, Path] = field(default_factory=lambda: MappingProxyType({}))   # output path -> store file


@dataclass(frozen=True)
class _Source:
    """An article's clip, read and checked: its hash and probe, its own poster (as stored) and captions."""

    article: Article
    sha: str
    probe: Probe
    poster: Mapping[str, Any] | None = None
    captions: bytes | None = None


def make_videos(articles: Sequence[Article], cuts: Sequence[Cut], site: Site, *, render: bool = True,
                workers: int = 1, progress: Callable[[str, int, int], None] | None = None) -> Videos:
    """The video stage (see the module's docstring). ``render`` False (``check``): probe and check only, and
    write nothing. ``progress`` hears how many encodes are done ("encoding videos", done, total)."""
    with_video = [a for a in articles if a.video is not None]
    if not with_video:
        return Videos()
    store = MediaStore(site.root)
    errors: list[SmmgenError] = []
    warnings: dict[str, list[str]] = {}
    sources = {a.source: source for a in with_video if (source := _read(a, site, store, errors)) is not None}
    chosen: dict[str, tuple[_Source, Variant]] = {}        # cut id -> what it posts
    for cut in cuts:
        source = sources.get(cut.source)
        if source is None:
            continue
        picked = _choose(cut, source, site, errors)
        if isinstance(picked, Fallback):
            hint = f" ({picked.hint})" if picked.hint else ""
            warnings.setdefault(cut.id, []).append(f"{picked.message}: {CARD_INSTEAD}{hint}")
        elif picked is not None:
            chosen[cut.id] = (source, picked)
    if not render or errors:
        if render:
            store.save()                  # what was probed
        return Videos(warnings=_frozen(warnings), errors=tuple(errors))

    made = _encode_all({(s.sha, v): s for s, v in chosen.values()}, store, workers, errors, progress)
    items: dict[str, VideoFile] = {}
    files: dict[str, Path] = {}
    by_id = {c.id: c for c in cuts}
    for cut_id, (source, variant) in chosen.items():
        if (source.sha, variant) not in made:
            continue
        key, record = made[(source.sha, variant)]
        cut = by_id[cut_id]
        rules = rules_for(cut.platform, _settings(cut, site))
        assert rules is not None              # _choose gave a variant
        over = too_large(rules, record["bytes"])
        if over is not None:
            warnings.setdefault(cut_id, []).append(f"{over.message}: {CARD_INSTEAD}")
            continue
        poster = source.poster or _frame_poster(key, record, store, source.article, errors)
        # Cue times count from the clip's start: a trimmed cut goes without them rather than out of step.
        trimmed = not variant.copy and bool(variant.start or variant.end)
        captions = None
        if source.captions is not None and len(source.captions) > rules.max_caption_bytes.value:
            warnings.setdefault(cut_id, []).append(
                f"the captions file is {len(source.captions):,} bytes, {rules.title} takes "
                f"{rules.max_caption_bytes.value:,}: posting the video without captions")
        elif source.captions is not None and not trimmed:
            sha, size = store.add_bytes(source.captions, "vtt")
            captions = {"path": f"media/{sha}.vtt", "lang": source.article.video.captions_lang  # type: ignore[union-attr]
                        or source.article.lang, "bytes": size, "sha256": sha}
            files[captions["path"]] = store.file(sha, "vtt")
        name = f"media/{record['sha256']}.mp4"
        files[name] = store.file(record["sha256"], "mp4")
        if poster is not None:
            files[f"media/{poster['sha256']}.jpg"] = store.file(poster["sha256"], "jpg")
        items[cut_id] = VideoFile(
            target=variant.target, path=name, url=media_url(name, site), width=record["width"],
            height=record["height"], duration=record["duration"], frame_rate=record["frame_rate"],
            has_audio=record["has_audio"], bytes=record["bytes"], sha256=record["sha256"],
            alt=source.article.video.alt, poster=_poster_item(poster, site),  # type: ignore[union-attr]
            captions=captions, trim=(variant.start, variant.end) if trimmed else None)
    store.save()
    return Videos(MappingProxyType(items), _frozen(warnings), tuple(errors), MappingProxyType(files))


def media_url(path: str, site: Site) -> str | None:
    """The public URL of ``output/<path>`` under ``[site] media_base_url``."""
    if not site.media_base_url:
        return None
    return f"{site.media_base_url}/{path.removeprefix('media/')}"


def _frozen(warnings: dict[str, list[str]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({k: tuple(v) for k, v in warnings.items()})


def _error(article: Article, field: str, message: str) -> ContentError:
    line = article.video.line if article.video is not None else None
    return ContentError(article.source, line or article.line("video") or article.line("videos"), field, message)


def _read(article: Article, site: Site, store: MediaStore, errors: list[SmmgenError]) -> _Source | None:
    """The article's clip probed (or known from the store by its stamp), its poster and captions checked; None
    when any is wrong (the errors say why)."""
    video = article.video
    assert video is not None
    path = inside(video.src, site.root)
    if path is None:
        errors.append(_error(article, "video", "points outside the site folder"))
        return None
    known = store.known_source(path)
    if known is None:
        try:
            found = probe(path)
            known = (file_sha256(path), found)
        except ProbeError as e:
            errors.append(_error(article, "video", f"not a video file ({e})"))
        except OSError as e:
            errors.append(_error(article, "video", f"cannot be read ({e.strerror or e})"))
        else:
            store.remember_source(path, *known)
    poster = _given_poster(video.poster, store, site, article, errors) if video.poster is not None else None
    captions = _captions(article, site, errors) if video.captions is not None else None
    if known is None or (video.poster is not None and poster is None) or (video.captions and captions is None):
        return None
    return _Source(article, known[0], known[1], poster, captions)


def _settings(cut: Cut, site: Site):
    """The settings of the account the cut goes to: an account of its own (``[accounts.<name>]``) may have its
    own limits (another Mastodon instance's)."""
    account = account_named(site, cut.account) if cut.account and cut.account != cut.platform else None
    return account.settings if account is not None else site.platform(cut.platform)


def _choose(cut: Cut, source: _Source, site: Site, errors: list[SmmgenError]) -> Variant | Fallback | None:
    """What the cut's network gets: None when the article or site leaves the video out there."""
    article = source.article
    override = article.social.override(cut.platform).video
    settings = _settings(cut, site)
    if override is False or (settings is not None and settings.get("video") is False):
        return None
    rules = rules_for(cut.platform, settings)
    if rules is None:
        return Fallback("platform", f"smmgen knows no video rules for {cut.platform}")
    if rules.needs_url.value and not site.media_base_url:
        return Fallback("needs_url", f"{rules.title} fetches the video from a public URL: set [site] "
                                     "media_base_url to where output/media/ is served")
    trim = override if isinstance(override, tuple) else None
    try:
        return choose(source.probe, rules, trim=trim, focus=article.image_focus)
    except TrimError as e:
        key = f"social.{cut.platform}.video"
        errors.append(ContentError(article.source, article.line(key), key, str(e)))
        return None


def _encode_all(todo: dict[tuple[str, Variant], _Source], store: MediaStore, workers: int,
                errors: list[SmmgenError], progress: Callable[[str, int, int], None] | None = None,
                ) -> dict[tuple[str, Variant], tuple[str, dict[str, Any]]]:
    """Every distinct (source, variant) made or found in the store, encoded ``workers`` at a time: its store key
    and record."""
    from smmgen.video.transcode import encoder_version

    version = encoder_version()
    made: dict[tuple[str, Variant], tuple[str, dict[str, Any]]] = {}
    missing = []
    for (sha, variant), source in todo.items():
        key = variant_key(sha, variant, version)
        record = store.output(key)
        if record is not None:
            made[(sha, variant)] = (key, record)
        else:
            missing.append((key, sha, variant, source))
    if not missing:
        return made
    if progress is not None:
        progress("encoding videos", 0, len(missing))
    # Each encode is a process of its own (``transcode.encode_apart``): threads here only wait for them.
    with ThreadPoolExecutor(max(1, min(workers, len(missing)))) as pool:
        jobs = [pool.submit(_make, variant, source, store) for _, _, variant, source in missing]
        for done, _ in enumerate(as_completed(jobs), 1):
            if progress is not None:
                progress("encoding videos", done, len(missing))
        results = [job.result() for job in jobs]
    for (key, sha, variant, source), result in zip(missing, results):
        if isinstance(result, SmmgenError):
            errors.append(result)
            continue
        store.remember_output(key, result)
        made[(sha, variant)] = (key, result)
    return made


def variant_key(sha: str, variant: Variant, version: str) -> str:
    """The cache key of an encode: the source's hash, the variant and the encoder."""
    return hashlib.sha256(repr((sha, variant, version)).encode()).hexdigest()


def _make(variant: Variant, source: _Source, store: MediaStore) -> dict[str, Any] | SmmgenError:
    from smmgen.video.transcode import TranscodeError, encode_apart

    video = source.article.video
    assert video is not None
    tmp = store.temporary("mp4")
    try:
        if variant.copy:
            import shutil

            shutil.copyfile(video.src, tmp)
            result = source.probe
        else:
            encode_apart(video.src, source.probe, variant, tmp)
            result = probe(tmp)
        sha, size = store.adopt(tmp, "mp4")
    except (TranscodeError, ProbeError) as e:
        return _error(source.article, "video", f"cannot be transcoded ({e})")
    except OSError as e:
        return _error(source.article, "video", f"cannot be read ({e.strerror or e})")
    finally:
        tmp.unlink(missing_ok=True)
    return {"sha256": sha, "bytes": size, "ext": "mp4", "width": result.display_width,
            "height": result.display_height, "duration": round(result.duration, 3),
            "frame_rate": round(result.frame_rate, 3), "has_audio": result.has_audio}


def _poster_item(poster: Mapping[str, Any] | None, site: Site) -> dict[str, Any] | None:
    """A stored poster as the manifest records it."""
    if poster is None:
        return None
    path = f"media/{poster['sha256']}.jpg"
    return {"path": path, "url": media_url(path, site), "width": poster["width"], "height": poster["height"],
            "bytes": poster["bytes"], "sha256": poster["sha256"]}


def _frame_poster(key: str, record: dict[str, Any], store: MediaStore, article: Article,
                  errors: list[SmmgenError]) -> Mapping[str, Any] | None:
    """A frame of the encode ``key`` as its poster: made once, then known from the store."""
    from smmgen.video.transcode import TranscodeError, poster_frame

    known = record.get("poster")
    if isinstance(known, dict) and store.file(str(known.get("sha256")), "jpg").is_file():
        return known
    tmp = store.temporary("jpg")
    try:
        at = min(POSTER_AT, record["duration"] / 10)
        width, height = poster_frame(store.file(record["sha256"], "mp4"), tmp, at)
        sha, size = store.adopt(tmp, "jpg")
    except TranscodeError as e:
        errors.append(_error(article, "video", f"no poster frame could be made ({e})"))
        return None
    finally:
        tmp.unlink(missing_ok=True)
    made = {"sha256": sha, "bytes": size, "width": width, "height": height}
    store.remember_output(key, {**record, "poster": made})
    return made


def _given_poster(path: Path, store: MediaStore, site: Site, article: Article,
                  errors: list[SmmgenError]) -> dict[str, Any] | None:
    from PIL import Image, UnidentifiedImageError

    real = inside(path, site.root)
    if real is None:
        errors.append(_error(article, "video.poster", "points outside the site folder"))
        return None
    try:
        data = real.read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_POSTER_PIXELS:
                raise ValueError(f"{image.width}x{image.height} pixels is too large for a poster")
            if image.format != "JPEG":
                out = io.BytesIO()
                image.convert("RGB").save(out, "JPEG", quality=90)
                data = out.getvalue()
            width, height = image.size
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as e:
        errors.append(_error(article, "video.poster", f"not a readable image ({e})"))
        return None
    sha, size = store.add_bytes(data, "jpg")
    return {"sha256": sha, "bytes": size, "width": width, "height": height}


def _captions(article: Article, site: Site, errors: list[SmmgenError]) -> bytes | None:
    """The captions file's bytes, checked (WebVTT, UTF-8, at most 1 MB); None when wrong (``errors`` says why)."""
    video = article.video
    assert video is not None and video.captions is not None
    real = inside(video.captions, site.root)
    if real is None:
        errors.append(_error(article, "video.captions", "points outside the site folder"))
        return None
    try:
        size = real.stat().st_size
        if size > MAX_CAPTION_BYTES:
            raise ValueError(f"{size} bytes; captions files are at most {MAX_CAPTION_BYTES // 1024} KB")
        data = real.read_bytes()
        text = data.decode("utf-8").removeprefix("\ufeff")
        if not (text.startswith("WEBVTT") and (len(text) == 6 or text[6] in " \t\r\n")):
            raise ValueError("not a WebVTT file: it must start with WEBVTT")
    except (OSError, UnicodeDecodeError, ValueError) as e:
        detail = "not UTF-8 text" if isinstance(e, UnicodeDecodeError) else getattr(e, "strerror", None) or str(e)
        errors.append(_error(article, "video.captions", detail))
        return None
    return data
