"""The studio's JSON API under ``/studio/api/``: what the page reads, and the three things it writes.

GET ``layouts``, ``layout?name=``, ``articles``, ``schema``, ``targets``, ``hero?article=``; POST ``render`` (the image
bytes), ``save`` (``layouts/cards/<name>.toml``), ``focus`` (``image_focus`` in an article), ``card`` (the
article's card layout). Every POST has passed ``check_post`` (the page's token, the server's own origin) before
it gets here. Names and paths are checked here: a layout name is ``[a-z0-9][a-z0-9-]{0,63}``, an article is one
the site's content discovery lists, resolved inside the site and no link, and nothing is written but
``layouts/cards/`` and that article (never output/). Writes go to a temporary file renamed into place.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from smmgen.errors import SmmgenError

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024                  # a layout as JSON is a few KB; a larger body is no request of the page
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
TOKEN_META = "smmgen-token"
TOKEN_HEADER = "X-Smmgen-Token"

# Headlines in several scripts, to try a layout on text the site has not published yet.
SAMPLES: tuple[tuple[str, str, str], ...] = (
    ("sample:latin", "en", "Council approves the riverside tram extension after a marathon late-night session"),
    ("sample:cyrillic", "ru", "Городской совет одобрил продление трамвайной линии вдоль набережной"),
    ("sample:cjk", "ja", "市議会、川沿いの路面電車延伸を深夜の審議の末に承認　来春から工事へ"),
    ("sample:arabic", "ar", "مجلس المدينة يوافق على تمديد خط الترام على طول الواجهة النهرية"),
    ("sample:emoji", "en", "Harbour City lift the cup 🏆⚽ and the whole town celebrates 🎉👨‍👩‍👧"),
)

# How each platform shows each card: the crop it cuts from it (width / height), from shared/PLATFORMS.md
# section 2 and 4 and the sources in smmgen/cards/targets.py.
FRAMES: dict[str, tuple[tuple[str, float], ...]] = {
    "og": (("X card, 2:1 [X8]", 2.0), ("Facebook 1.91:1 [F1]", 1200 / 630), ("Bluesky card 1200:630 [B6]",
                                                                              1200 / 630)),
    "x": (("X timeline, 16:9 uncropped [X4]", 16 / 9), ("X card, 2:1 [X8]", 2.0)),
    "instagram": (("Instagram feed, 4:5 [I1]", 4 / 5), ("Instagram 1:1 [I5]", 1.0)),
    "vk": (("VK, OG shape (unverified)", 1200 / 630),),
    "mastodon": (("Mastodon web UI, 16:9 [M2]", 16 / 9),),
    "telegram": (("Telegram photo, uncropped [G4]", 1200 / 675), ("Telegram link preview, 1.91:1 [G3]",
                                                                  1200 / 630)),
}


class Refused(Exception):
    """A request the studio answers with an HTTP error and a message for the page."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def json_reply(data: Any, status: int = 200) -> Reply:
    return Reply(status, "application/json; charset=utf-8",
                 json.dumps(data, ensure_ascii=False, default=str).encode())


def check_post(headers: Mapping[str, str], origins: set[str], token: str) -> str | None:
    """Why a POST is refused (403), or None: it must carry the page's token and come from the server's own
    origin (``Origin``, or ``Referer`` when a browser sends no Origin)."""
    sent = headers.get(TOKEN_HEADER) or ""
    if not hmac.compare_digest(sent.encode(), token.encode()):
        return "missing or wrong X-Smmgen-Token: reload the studio page"
    origin = headers.get("Origin")
    if origin is None:
        referer = headers.get("Referer")
        if not referer:
            return "no Origin or Referer: the studio answers only its own page"
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin.lower() not in origins:
        return f"origin {origin[:100]!r} is not this server's"
    return None


class Studio:
    """The studio of the site at ``root``: a token for this run, decoded heroes and validated layouts kept."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.token = secrets.token_urlsafe(32)
        self._lock = threading.Lock()          # one write at a time
        self._drawer = None
        self._layouts: dict[str, Any] = {}     # validated layout data, by its JSON (the page sends it per target)
        self.timings: list[float] = []         # render times (s), the last few, for the terminal and the tests

    # ------------------------------------------------------------------------------------------------------
    # Dispatch

    def get(self, path: str, query: str) -> Reply:
        args = {k: v[-1] for k, v in parse_qs(query).items()}
        handlers = {"layouts": self._get_layouts, "layout": self._get_layout, "articles": self._get_articles,
                    "schema": self._get_schema, "targets": self._get_targets, "hero": self._get_hero}
        return self._run(handlers, path, args)

    def post(self, path: str, body: bytes) -> Reply:
        from smmgen.config.toml_text import MAX_DEPTH, nesting_depth

        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            return json_reply({"error": f"the body is not JSON: {e}"}, 400)
        except RecursionError:
            data = None
        if not isinstance(data, dict) or nesting_depth(data) > MAX_DEPTH:
            return json_reply({"error": f"the body must be a JSON object nested at most {MAX_DEPTH} deep"}, 400)
        handlers = {"render": self._render, "save": self._save, "focus": self._focus, "card": self._card}
        return self._run(handlers, path, data)

    def _run(self, handlers: dict, path: str, args: dict) -> Reply:
        handler = handlers.get(path)
        if handler is None:
            return json_reply({"error": f"no such studio request: {path}"}, 404)
        try:
            return handler(args)
        except Refused as e:
            return json_reply({"error": e.message}, e.status)
        except SmmgenError as e:
            return json_reply({"error": e.message}, 400)
        except OSError as e:        # a folder not writable, a disk full: the user's to fix, not a bug
            return json_reply({"error": f"{path}: {e.strerror or e}" + (f": {Path(e.filename).name}"
                                                                         if e.filename else "")}, 500)

    # ------------------------------------------------------------------------------------------------------
    # The site, its layouts and articles

    def _site(self):
        from smmgen.config.site import load_site

        return load_site(self.root)

    def _layout_dirs(self, site) -> tuple[list[Path], list[Path]]:
        from smmgen.cards import DEFAULT_LAYOUT_DIR

        return ([site.layouts_dir / "cards", DEFAULT_LAYOUT_DIR],
                [site.root.resolve(), DEFAULT_LAYOUT_DIR.parent.resolve()])

    def _site_cards(self, site) -> Path:
        """layouts/cards/, where the studio writes layouts: it must lie inside the site (links followed)."""
        from smmgen.site_files import inside

        folder = site.layouts_dir / "cards"
        if inside(folder, site.root.resolve()) is None:
            raise Refused(403, f"{site.rel(folder)} leads outside the site; the studio writes only inside it")
        return folder

    def _find_layout(self, site, name: str, source: str = "studio") -> tuple[Path, str, dict, Path, Path]:
        """(file, its text, its data, the folder its files are next to, the root they may not leave)."""
        from smmgen.cards.layout import find_layout
        from smmgen.config.toml_text import toml_loads

        dirs, roots = self._layout_dirs(site)
        path = find_layout(name, dirs, source=source, roots=roots)
        text = path.read_text(encoding="utf-8")
        data, line, problem = toml_loads(text)
        if data is None:
            raise Refused(400, f"{self._shown(site, path)}:{line or ''}: not valid TOML: {problem}")
        root = roots[0] if path.parent == dirs[0] else roots[1]
        return path, text, data, path.parent, root

    def _shown(self, site, path: Path) -> str:
        from smmgen.cards.layout import display_path

        try:
            return path.resolve().relative_to(site.root.resolve()).as_posix()
        except ValueError:
            return display_path(path)

    def _validated(self, data: dict, name: str, shown: str, text: str, folder: Path, root: Path):
        from smmgen.cards.layout import layout_from_data

        key = json.dumps([data, name, str(folder)], sort_keys=True, default=str)
        found = self._layouts.get(key)
        if found is None:
            found = layout_from_data(data, name, shown, text, folder, root)
            if len(self._layouts) > 64:
                self._layouts.clear()
            self._layouts[key] = found
        return found

    def _article_path(self, site, source: Any) -> Path:
        """The file of the article ``source`` (as the site names it): one of the site's articles, inside it."""
        from smmgen.content.reading import find_article_files
        from smmgen.site_files import inside

        if not isinstance(source, str) or not source or len(source) > 1000:
            raise Refused(400, "article: give the article's path in the site, e.g. content/2026/budget.md")
        known = {site.rel(p): p for p in find_article_files(site)}
        path = known.get(source)
        if path is None:
            raise Refused(404, f"article: {source!r} is not an article of this site")
        if inside(path, site.root.resolve()) is None:
            raise Refused(403, f"{source} leads outside the site")
        return path

    def _article(self, site, source: Any):
        from smmgen.content.reading import load_article

        return load_article(self._article_path(site, source), site)

    @property
    def drawer(self):
        if self._drawer is None:
            from smmgen.studio.draw import Drawer

            self._drawer = Drawer()
        return self._drawer

    # ------------------------------------------------------------------------------------------------------
    # GET

    def _get_layouts(self, args: dict) -> Reply:
        site = self._site()
        dirs, _ = self._layout_dirs(site)
        seen: dict[str, dict] = {}
        for folder in dirs:
            for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
                seen.setdefault(path.stem, {"name": path.stem, "file": self._shown(site, path),
                                            "site": folder == dirs[0]})
        return json_reply(sorted(seen.values(), key=lambda d: d["name"]))

    def _get_layout(self, args: dict) -> Reply:
        site = self._site()
        name = self._name(args.get("name"))
        path, _, data, _, _ = self._find_layout(site, name)
        dirs, _ = self._layout_dirs(site)
        return json_reply({"name": name, "file": self._shown(site, path), "site": path.parent == dirs[0],
                           "data": data})

    def _get_articles(self, args: dict) -> Reply:
        from smmgen.content.reading import Skipped, find_article_files, load_article

        site = self._site()
        out = []
        for path in find_article_files(site):
            source = site.rel(path)
            try:
                a = load_article(path, site)
            except Skipped:
                continue
            except SmmgenError as e:
                out.append({"source": source, "error": e.message})
                continue
            out.append({"source": a.source, "title": a.title, "lang": a.lang, "draft": a.draft,
                        "image": a.image is not None, "focus": list(a.image_focus) if a.image_focus else None,
                        "card": a.card or ("photo" if a.image else "default"), "explicit_card": a.card})
        samples = [{"source": s, "title": t, "lang": lang} for s, lang, t in SAMPLES]
        return json_reply({"articles": out, "samples": samples})

    def _get_schema(self, args: dict) -> Reply:
        from smmgen.cards.layout import FONT_SUFFIXES
        from smmgen.studio.schema import describe

        site = self._site()
        folder = site.layouts_dir / "cards"
        fonts = tuple(sorted(p.name for p in folder.iterdir() if p.suffix.lower() in FONT_SUFFIXES)) \
            if folder.is_dir() else ()
        out = describe(fonts)
        out["targets"] = _targets()
        return json_reply(out)

    def _get_targets(self, args: dict) -> Reply:
        return json_reply(_targets())

    def _get_hero(self, args: dict) -> Reply:
        """The article's hero, small, for clicking its focal point on."""
        import io

        from smmgen.cards.hero import HeroError

        site = self._site()
        article = self._article(site, args.get("article"))
        if article.image is None:
            raise Refused(404, f"{article.source} has no hero image")
        try:
            full = self.drawer.hero(article.image).covering((800, 1))
        except HeroError as e:
            raise Refused(400, f"{article.source}: image: {e}") from None
        small = full.copy()
        small.thumbnail((800, 800))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=85)
        return Reply(200, "image/jpeg", out.getvalue())

    # ------------------------------------------------------------------------------------------------------
    # POST render

    def _render(self, args: dict) -> Reply:
        from smmgen.cards.hero import HeroError
        from smmgen.cards.model import CardRequest
        from smmgen.cards.targets import TARGETS
        from smmgen.content.dates import long_date

        started = time.perf_counter()
        site = self._site()
        target = args.get("target", "og")
        if target not in TARGETS:
            raise Refused(400, f"target: one of {', '.join(TARGETS)}, got {str(target)[:40]!r}")
        source = args.get("article")
        sample = next((s for s in SAMPLES if s[0] == source), None)
        if sample is not None:
            hero_article = self._article(site, args["hero"]) if args.get("hero") else None
            title, lang, hero = sample[2], sample[1], hero_article.image if hero_article else None
            focus = hero_article.image_focus if hero_article else None
            default_layout = "photo" if hero else "default"
            kicker, date_text, alt, line = "Sample", long_date(_now(site), lang), "", None
        else:
            article = self._article(site, source)
            title, lang, hero, focus = article.title, article.lang, article.image, article.image_focus
            default_layout = article.card or ("photo" if article.image else "default")
            kicker, date_text = article.section, long_date(article.date.astimezone(site.timezone), article.lang)
            alt, line = article.image_alt, article.line("image")
        if args.get("focus") is not None:
            focus = _focus(args["focus"])
        name = self._name(args.get("name") or default_layout)
        path, text, data, folder, root = self._find_layout(site, name, str(source))
        overrides = args.get("layout") or {}
        if not isinstance(overrides, dict):
            raise Refused(400, "layout: expected an object of layout values")
        merged = merge(data, overrides)
        layout = self._validated(merged, name, self._shown(site, path), text, folder, root).for_target(target)
        req = CardRequest(target=target, layout=name, title=title, site_name=site.name, kicker=kicker,
                          date_text=date_text, lang=lang, hero=hero, focus=focus, alt=alt,
                          source=str(source), line=line)
        try:
            drawn = self.drawer.draw(layout, req)
        except HeroError as e:
            raise Refused(400, f"{source}: image: {e}") from None
        took = time.perf_counter() - started
        self.timings = (self.timings + [took])[-200:]
        headers = (("X-Smmgen-Warnings", json.dumps(list(drawn.warnings))),
                   ("X-Smmgen-Contrast", "" if drawn.contrast is None else f"{drawn.contrast:.2f}"),
                   ("X-Smmgen-Size", f"{drawn.width}x{drawn.height}"),
                   ("X-Smmgen-Render-Ms", f"{took * 1000:.0f}"),
                   ("X-Smmgen-Draw-Ms", f"{drawn.seconds * 1000:.0f}"))
        return Reply(200, "image/jpeg", drawn.jpeg, headers)

    # ------------------------------------------------------------------------------------------------------
    # POST save

    def _save(self, args: dict) -> Reply:
        from smmgen.output_files import atomic_write
        from smmgen.studio.schema import rank
        from smmgen.studio.toml_edit import EditError, update

        site = self._site()
        name = self._name(args.get("name"), new=True)
        data = args.get("layout")
        if not isinstance(data, dict) or not data:
            raise Refused(400, "layout: expected the layout's values as an object")
        data = merge({}, data)                                   # nulls out
        folder = self._site_cards(site)
        path = folder / f"{name}.toml"
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise Refused(403, f"{site.rel(path)} is a link or no file; the studio does not write through it")
        with self._lock:
            created = not path.exists()
            if not created:
                template = path.read_text(encoding="utf-8")
            else:
                base = args.get("base")
                template = ""
                if base is not None:
                    base_path, template, _, base_folder, _ = self._find_layout(site, self._name(base))
                    self._copy_resources(data, base_folder, folder)
                if not template:
                    template = f"# Card layout {name}, made in smmgen's studio.\n"
            try:
                text = update(template, data, rank, first_section="targets")
            except EditError as e:
                raise Refused(409, f"{site.rel(path)}: {e}") from None
            shown = site.rel(path)
            self._validated(data, name, shown, text, folder, site.root.resolve())
            changed = atomic_write(path, text.encode("utf-8"))
        log.info("studio: saved %s", shown)
        return json_reply({"file": shown, "created": created, "changed": changed})

    def _copy_resources(self, data: dict, source: Path, folder: Path) -> None:
        """A layout saved from one of smmgen's own: the logo and font files it names, next to the new file."""
        from smmgen.cards.layout import FONT_SUFFIXES
        from smmgen.output_files import atomic_write

        names = [(data.get("logo") or {}).get("path")]
        names += [(data.get(e) or {}).get("family") for e in ("title", "kicker", "site_name", "date")]
        for n in names:
            if not isinstance(n, str) or "/" in n or "\\" in n or n.startswith("."):
                continue
            if n.lower().endswith((".png", ".jpg", ".jpeg", ".webp", *FONT_SUFFIXES)):
                src, dst = source / n, folder / n
                if src.is_file() and not os.path.lexists(dst):
                    atomic_write(dst, src.read_bytes())

    # ------------------------------------------------------------------------------------------------------
    # POST focus, card

    def _focus(self, args: dict) -> Reply:
        site = self._site()
        path = self._article_path(site, args.get("article"))
        article = self._article(site, args.get("article"))
        if article.image is None:
            raise Refused(400, f"{article.source} has no hero image to set a focal point on")
        point = list(_focus([args.get("x"), args.get("y")]))
        self._edit_article(site, path, ("image_focus",), point)
        return json_reply({"file": article.source, "image_focus": point})

    def _card(self, args: dict) -> Reply:
        site = self._site()
        path = self._article_path(site, args.get("article"))
        name = self._name(args.get("layout"))
        self._find_layout(site, name, site.rel(path))        # it must exist
        self._edit_article(site, path, ("card", "layout"), name)
        return json_reply({"file": site.rel(path), "card": name})

    def _edit_article(self, site, path: Path, key: tuple[str, ...], value: Any) -> None:
        from smmgen.output_files import atomic_write
        from smmgen.studio.front_matter_edit import set_key
        from smmgen.studio.toml_edit import EditError

        shown = site.rel(path)
        if path.is_symlink():
            raise Refused(403, f"{shown} is a link; the studio edits only plain files")
        with self._lock:
            try:
                edited = set_key(path.read_bytes(), key, value, shown)
            except EditError as e:
                raise Refused(409, str(e)) from None
            atomic_write(path, edited)
        log.info("studio: set %s in %s", ".".join(key), shown)

    def _name(self, value: Any, *, new: bool = False) -> str:
        """A layout name: one the loader reads, and (``new``: a file the studio writes) ``NAME``."""
        from smmgen.cards.layout import LAYOUT_NAME

        if not isinstance(value, str) or not (NAME if new else LAYOUT_NAME).match(value):
            raise Refused(400, f"name: a layout name is lower-case letters, digits and '-' (at most 64), "
                               f"got {str(value)[:70]!r}")
        return value


def _targets() -> list[dict]:
    """Every card target: its size and the crops platforms cut from it."""
    from smmgen.cards.targets import TARGETS

    return [{"name": t.name, "width": t.width, "height": t.height,
             "frames": [{"label": label, "aspect": aspect} for label, aspect in FRAMES.get(t.name, ())]}
            for t in TARGETS.values()]


def merge(base: dict, over: dict) -> dict:
    """``over`` laid on ``base``: tables merged key by key, anything else replaced, ``None`` removes a key."""
    out = dict(base)
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        elif isinstance(v, dict):
            out[k] = merge({}, v)
        elif isinstance(v, list):
            out[k] = [merge({}, x) if isinstance(x, dict) else x for x in v]
        else:
            out[k] = v
    return out


def _focus(value: Any) -> tuple[float, float]:
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in value)):
        raise Refused(400, f"focus: x and y are numbers from 0 to 1, got {json.dumps(value)[:60]}")
    return (round(float(value[0]), 3), round(float(value[1]), 3))


def _now(site):
    import datetime as dt

    return dt.datetime.now(site.timezone)
