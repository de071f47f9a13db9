"""Card targets: the pixel size, file formats and byte budget of each image a platform gets.

Sources are the numbered ones in ``shared/PLATFORMS.md`` (section 2); where a platform publishes no figure, the
choice is ours and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from smmgen import facts


@dataclass(frozen=True)
class TargetSpec:
    """What one kind of card must be."""

    name: str
    width: int
    height: int
    formats: tuple[str, ...]
    """Formats the platform accepts, in our order of preference ("jpeg", "png")."""
    max_bytes: int
    """Largest file accepted, inclusive."""
    min_width: int
    """Smallest width we may scale down to when the bytes do not fit (keeps the aspect ratio)."""
    source: str
    """Where the numbers come from."""

    @property
    def min_height(self) -> int:
        return round(self.min_width * self.height / self.width)


TARGETS: dict[str, TargetSpec] = {
    # The site's Open Graph image, scraped by X, Mastodon, Facebook, Threads and Telegram, and uploaded by us
    # as the Bluesky and LinkedIn link-card thumb. Facebook: 1200x630 recommended, 600x315 the least for the
    # large layout, og:image <= 8 MB [F1]; X card image < 5 MB [X8]; Bluesky external thumb blob
    # maxSize 1,000,000 B [B4], the strictest, so it is the budget.
    "og": TargetSpec("og", 1200, 630, ("jpeg", "png"), int(facts.BLUESKY.images.thumb_max_bytes.value), 600,
                     "FB 1200x630 [F1]; Bluesky external.thumb maxSize 1000000 [B4]"),
    # X attached image: uploads <= 5 MB [X4]; 16:9 shows uncropped in the timeline.
    "x": TargetSpec("x", 1200, 675, ("jpeg", "png"), 4_999_999, 600,
                    "X media upload image 5 MB [X4]"),
    # Instagram feed: JPEG only, <= 8 MB, aspect between 4:5 and 1.91:1, width 320-1440 [I1]; 1080x1350 is
    # the 4:5 portrait size [I5].
    "instagram": TargetSpec("instagram", 1080, 1350, ("jpeg",), 8_000_000, 640,
                            "IG media: JPEG, 8 MB, 4:5..1.91:1 [I1]; 1080x1350 [I5]"),
    # VK publishes no card size (PLATFORMS.md: unverified). Our choice: the Open Graph shape, which VK's own
    # link snippets use, with a conservative 5 MB budget.
    "vk": TargetSpec("vk", 1200, 630, ("jpeg", "png"), 5_000_000, 600,
                     "our choice: VK sizes unverified; OG shape, 5 MB"),
    # Mastodon attached image: the web UI shows single images at 16:9; image_size_limit is per server
    # (16 MiB in the doc example [M2]); 8 MB keeps older servers happy. Our choice of size.
    "mastodon": TargetSpec("mastodon", 1200, 675, ("jpeg", "png"), 8_000_000, 600,
                           "our choice: 16:9; image_size_limit per server [M2], 8 MB"),
    # Telegram sendPhoto: <= 10 MB, width + height <= 10000, ratio <= 20 [G4]. Same shape as X.
    "telegram": TargetSpec("telegram", 1200, 675, ("jpeg", "png"), int(facts.TELEGRAM.images.max_bytes.value), 600,
                           "Telegram sendPhoto 10 MB, w+h <= 10000 [G4]"),
}
