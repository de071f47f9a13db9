"""The card stage of the build (``smmgen.build.pipeline``): which card each cut asks for, and each card drawn
once, or found done in output/cards through the build cache."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING

from smmgen.build import staging
from smmgen.build.entries import MediaFile
from smmgen.build.og import card_url
from smmgen.config.accounts import account_named
from smmgen.content.dates import long_date
from smmgen.errors import ContentError, ErrorList, SmmgenError

if TYPE_CHECKING:
    from smmgen.build.cache import BuildCache
    from smmgen.build.pipeline import Progress
    from smmgen.build.templates import Layouts
    from smmgen.build.workers import Workers
    from smmgen.config.site import Site
    from smmgen.content.article import Article
    from smmgen.platforms import Cut


def card_layout(article: Article, platform: str, site: Site, account: str | None = None) -> str:
    found = account_named(site, account) if account else None
    settings = found.settings if found is not None else site.platform(platform)
    return (article.social.override(platform).card or (settings.get("card") if settings else None)
            or article.card or ("photo" if article.image else "default"))


def card_requests(cuts: Sequence[Cut], articles: dict[str, Article], site: Site) -> list[tuple]:
    """Per cut, the ``CardRequest`` of each of its media references."""
    from smmgen.cards import CardRequest

    dates: dict[str, str] = {}
    # One request object for the cuts that ask for the same card (each platform's cut names its target).
    made: dict[tuple, CardRequest] = {}
    # And one tuple of them for the cuts that ask for the same cards (the networks that show the article's og).
    same: dict[tuple, tuple] = {}
    out = []
    for cut in cuts:
        if not cut.media:
            out.append(())
            continue
        article = articles[cut.source]
        if article.source not in dates:
            dates[article.source] = long_date(article.date.astimezone(site.timezone), article.lang)
        layout = card_layout(article, cut.platform, site, cut.account)
        requests = []
        for ref in cut.media:
            key = (article.source, ref.target, layout, ref.alt)
            request = made.get(key)
            if request is None:
                request = made[key] = CardRequest(
                    target=ref.target,
                    layout=layout,
                    title=article.title,
                    site_name=site.name,
                    kicker=article.section,
                    date_text=dates[article.source],
                    lang=article.lang,
                    hero=article.image,
                    focus=article.image_focus,
                    alt=ref.alt,
                    source=article.source,
                    line=article.line("image") or article.line("images"),
                )
            requests.append(request)
        asked = tuple(requests)
        out.append(same.setdefault(asked, asked))
    return out


def render_cards(requests: Sequence[tuple], articles: dict[str, Article], site: Site, layouts: Layouts,
                 render_images: bool, pool: Workers | None,
                 cache: BuildCache | None = None, progress: Progress | None = None,
                 staged: set[str] | None = None, *, shard: tuple[int, int] | None = None,
                 drawings: dict[str, str] | None = None,
                 arrived: Callable[[list[tuple]], None] | None = None,
                 started: threading.Event | None = None,
                 draw: Callable[..., dict] | None = None) -> tuple[dict, list[SmmgenError]]:
    """The card of every request (``card_requests``); each distinct request is drawn once (in ``pool``'s
    processes when there are several), and not at all when the cache has its card and the file is still in
    output/cards. New card files go to the staging folder; ``staged`` gets the paths of the cards there.
    ``shard`` and ``drawings``: as ``smmgen.cards.batch.render_cards`` takes them. ``arrived`` is told the
    cards (request, card) as they are known: those found done at once, then each group's as it is drawn.
    ``started`` is set once the drawings are handed to the workers (it may be set earlier by the caller).
    ``draw``: what draws them instead of ``smmgen.cards.render_cards``, with its arguments (an edit's helper
    process, ``smmgen.build.edit_helper``)."""
    if not render_images or not any(requests):
        if pool is not None:
            pool.drawn()        # started when parsing ended, and nothing to draw
    if not render_images:
        return {}, check_heroes(articles.values(), _drawn_on(cache), cache.file_key if cache is not None else None)
    # By identity first: ``card_requests`` gives each distinct card one object, and hashing a request hashes
    # every field of it.
    unique = {id(req): req for reqs in requests for req in reqs}
    requests = sorted(set(unique.values()), key=lambda r: (r.source, r.target, r.layout, r.alt))
    del unique                  # not kept while the cards are drawn
    if not requests:
        return {}, []
    cards: dict = {}
    missing = requests
    # A card on a hero is cut from the decode that covers every card its article draws there (``companions``
    # below): the cache knows a card by its request, its hero's bytes and those cards.
    companions = _companions(requests)
    if cache is not None and cache.cards:
        missing = []
        out = str(site.output_dir)
        present = cache.present[0] if cache.present is not None else None
        heroes: dict[Path, str] = {}            # one stat per hero, not per card
        for req in requests:
            hero = None
            if req.hero is not None:
                hero = heroes.get(req.hero)
                if hero is None:
                    hero = heroes[req.hero] = cache.file_key(req.hero)
            card = cache.cards.get((req, _with_companions(hero, req, companions)))
            if card is None:
                missing.append(req)
                continue
            if present is not None:
                size = present.get(card.path, (-1,))[0]
            else:
                size = _size(f"{out}/{card.path}")
            if size == card.bytes:
                cards[req] = card
            else:
                missing.append(req)
    if arrived is not None and cards:
        arrived(list(cards.items()))
    if missing:
        if draw is not None:
            render = draw
        else:
            from smmgen.cards import render_cards as render

        try:
            count = pool.count if pool is not None else 1
            read: dict = {}
            drawn = None if progress is None else lambda done, total: progress("drawing cards", done, total)
            if started is not None:
                # Told once every drawing is handed to the workers (before the first is done).
                drawn = functools.partial(_started, started, drawn)
            cards.update(render(missing, layout_dirs=[d / "cards" for d in layouts.dirs], roots=layouts.roots,
                                out_dir=site.output_dir, stage=staging.ready_folder(site), staged=staged,
                                workers=count, executor=pool.executor if count > 1 else None, heroes=read,
                                progress=drawn, shard=shard, drawings=drawings, companions=requests,
                                arrived=arrived, answered=pool.drawn if pool is not None else None))
            if cache is not None:
                for path, (seen, sha) in read.items():
                    cache.learn(path, seen, sha)
        except ErrorList as e:
            return {}, list(e.errors)
        except SmmgenError as e:
            return {}, [e]
        finally:
            if pool is not None:
                pool.drawn()    # (told already when the last card came from its processes)
    elif pool is not None:
        pool.drawn()            # started when parsing ended, and nothing to draw
    # In request order, whichever cards came from the cache: "the article's og card" is then the same one.
    cards = {req: cards[req] for req in requests if req in cards}
    if cache is not None:
        # Each hero's key as read for drawing (or for the lookup above): a hero changed since is read again.
        keys = {hero: cache.known_key(hero) for hero in {req.hero for req in cards if req.hero is not None}}
        # The cards an article draws on its hero share one key string (its hero's and companions'), not one each.
        same: dict[str | None, str | None] = {}
        table: dict = {}
        for req, card in cards.items():
            hero = _with_companions(keys[req.hero], req, companions) if req.hero is not None else None
            table[(req, same.setdefault(hero, hero))] = card
        cache.cards = table
        del same, table
    return cards, []


def _started(started: threading.Event, progress: Callable[[int, int], None] | None, done: int, total: int) -> None:
    started.set()
    if progress is not None:
        progress(done, total)


def _companions(requests: Sequence) -> dict[tuple[str, Path], str]:
    """By (article, hero): the layouts and targets of every card the article asks for on that hero."""
    found: dict[tuple[str, Path], set[str]] = {}
    for req in requests:
        if req.hero is not None:
            found.setdefault((req.source, req.hero), set()).add(f"{req.layout}:{req.target}")
    return {key: ",".join(sorted(cards)) for key, cards in found.items()}


def _with_companions(hero_key: str | None, req, companions: dict[tuple[str, Path], str]) -> str | None:
    return None if hero_key is None else f"{hero_key}|{companions.get((req.source, req.hero), '')}"


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


def check_heroes(articles, proven: AbstractSet[tuple[Path, str]] = frozenset(),
                 file_key: Callable[[Path], str] | None = None) -> list[SmmgenError]:
    """Decode every hero once (at reduced size) so ``check`` catches broken images without rendering cards;
    not those in ``proven`` (hero, ``file_key``) pairs: decoded before, the same bytes since."""
    from smmgen.cards.hero import HeroError, load

    errors: list[SmmgenError] = []
    for article in articles:
        if article.image is None or (proven and file_key is not None
                                     and (article.image, file_key(article.image)) in proven):
            continue
        try:
            load(article.image, [(1200, 630)])
        except HeroError as e:
            errors.append(ContentError(article.source, article.line("image") or article.line("images"),
                                       "image", str(e)))
    return errors


def _drawn_on(cache: BuildCache | None) -> set[tuple[Path, str]]:
    """The heroes (with their file keys) the cache's cards were drawn on: an Open Graph card is a JPEG exactly when
    its layout drew it on the hero (``cards.encode.choose_format``)."""
    if cache is None:
        return set()
    return {(req.hero, hero.partition("|")[0]) for (req, hero), card in cache.cards.items()
            if req.hero is not None and req.target == "og" and card.format == "jpeg"}


def media_files(cut: Cut, requests: tuple, cards: dict, site: Site) -> tuple[MediaFile, ...]:
    """The cards of a cut's media (``requests``: theirs, in the same order) as the manifest records them."""
    files = []
    for ref, req in zip(cut.media, requests):
        card = cards.get(req) if cards else None
        if card is None:
            continue
        # The request was made for this ref: the card carries its target and alt text.
        files.append(MediaFile(role=ref.role, card=card, url=card_url(card.path, site)))
    return tuple(files)
