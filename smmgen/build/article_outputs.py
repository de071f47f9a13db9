"""One published article's share of the output: its planned cuts, the cards they show and its manifest entries.

An incremental build edits one article and leaves the other thousand as they were. Each article's share therefore
carries a ``key``, a hash of every input it is made from; the writer leaves the files, manifest entries and preview
parts of an article whose key is the one it wrote last time as they are, without making them again. Entries are
made once, when first asked for, and shared by the preview and the manifest writer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from smmgen.build.entries import MediaFile, VideoFile, manifest_entry
from smmgen.content.article import Article
from smmgen.content.dates import epoch_seconds
from smmgen.manifest_model import ManifestEntry
from smmgen.platforms import Cut


@dataclass(frozen=True)
class ArticleOutput:
    article: Article
    cuts: tuple[Cut, ...]                               # planned, in platform order
    media: tuple[tuple[MediaFile | VideoFile, ...], ...]   # each cut's cards or video
    key: str | None = None      # see ``output_key``; None when the build had no cache to compare with

    @cached_property
    def entries(self) -> tuple[ManifestEntry, ...]:
        """The manifest entries of the article's cuts, in cut order. Made once per build and kept: the preview
        shows them and the writer writes them, and both must show the same bytes."""
        return tuple(manifest_entry(cut, self.article, media) for cut, media in zip(self.cuts, self.media))


def output_key(sha: str, hero: tuple | None, cuts: Sequence[Cut],
               media: Sequence[Sequence[MediaFile | VideoFile]]) -> str:
    """Everything an article's share of the output is made from, hashed (the site's config, layouts and code
    are in the cache's fingerprint, which drops the whole cache when they change).

    ``sha`` is the article file's hash and ``hero`` its hero image's stamp: with the fingerprint, they determine
    the article and its cuts as cut. The plan then sets each cut's times and may add warnings; a card is known
    by its file's name and hash (the rest of a ``MediaFile`` follows from the cut and the site).
    """
    planned = tuple((c.id, epoch_seconds(c.publish_at), epoch_seconds(c.expire_at), c.warnings, c.errors,
                     c.timing.hold if c.timing else None) for c in cuts)
    cards = tuple(tuple((m.path, *m.hashed()) for m in files) for files in media)
    # repr, not pickle: pickle's bytes also depend on which equal objects happen to be shared.
    return hashlib.sha256(repr((sha, hero, planned, cards)).encode()).hexdigest()
