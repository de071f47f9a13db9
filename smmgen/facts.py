"""Every platform's outside rules as data: each figure with its unit and its source.

The one home of the numbers the platforms impose. Cutting (``smmgen.platforms``), the checks
(``smmgen.plan.expiry``), the plan (rate budgets) and the publisher's adapters all read them from here, so a rule
that changes is changed once. A leaf module: it imports only the standard library, so both the build and the
publisher may load it without loading each other.

=========  ===================  ============  ========================  =====================  ================
platform   text                 second cap    images                    schedule ahead         delete
=========  ===================  ============  ========================  =====================  ================
X          280 weighted         -             5 MiB, 4                  -                      -
Mastodon   500 mastodon [1]     -             (per server)              >= 5 min               -
Bluesky    300 graphemes        3000 bytes    2,000,000 B (thumb 1 MB)  -                      -
Threads    500 threads          5 links       -                         -                      -
Facebook   63,206 characters    -             -                         10 min - 30 days       -
Instagram  2200 characters      -             JPEG 8 MiB, 4:5-1.91:1    -                      -
LinkedIn   3000 characters      -             -                         -                      -
Telegram   4096 utf16           caption 1024  10 MB                     -                      within 48 h
VK         4096 characters [1]  -             -                         10 min - (30 days)     -
=========  ===================  ============  ========================  =====================  ================

[1] a default: the account's own value comes from configuration (a Mastodon instance's ``max_characters``, a
VK community's ``max_characters``); only such truly per-account values live in smmgen.toml.

Units are ``smmgen.text.measure.Unit`` names; ``characters`` means UTF-16 code units (the largest usual reading of
a platform that says "characters" and no more), so Instagram's 2200 and Telegram's 4096 are both UTF-16 counts.

Counting in the publisher: the build measures every part in its platform's unit and refuses a cut over its
limit, and the manifest records the lengths that were reviewed. An adapter still checks the text it is about
to send as a last guard (an edited or stale manifest must fail before the network, not be cut by the platform),
but it must not import the build side (``smmgen.text.measure`` and its Unicode tables). The units an adapter
re-checks are plain encodings (UTF-16 code units, UTF-8 bytes), so their counting sits here as
``encoded_length``, one line on Python's codecs; the tests hold it equal to ``smmgen.text.measure`` for those units.
Units that need segmentation or URL parsing (``graphemes``, ``weighted``, ``mastodon``, ``threads``) are checked
at build time only, and the adapter trusts the manifest for them (the one exception is Mastodon's adapter, which
checks each status against the limit the instance reports at publish time).

Sources are the numbered ones in ``shared/PLATFORMS.md``; "our choice" marks a figure a platform does not
document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limit:
    """One figure of a platform's rules: its value, its unit and where it comes from."""

    value: int | float
    unit: str          # a smmgen.text.measure.Unit name for text; "bytes", "s", "links", "images", ...
    source: str


@dataclass(frozen=True)
class Window:
    """A span of time a platform allows: how far ahead it schedules, or how long after posting it deletes."""

    earliest: dt.timedelta
    latest: dt.timedelta | None     # None: no upper bound
    source: str

    @property
    def bounds(self) -> tuple[dt.timedelta, dt.timedelta]:
        """(earliest, latest); an open end reads as the longest span ``datetime`` holds."""
        return self.earliest, self.latest if self.latest is not None else dt.timedelta.max


@dataclass(frozen=True)
class Budget:
    """How many posts a platform's API accepts per rolling window."""

    posts: int
    window: dt.timedelta
    per_part: bool        # each part of a thread is its own post
    source: str


@dataclass(frozen=True)
class Images:
    """What a platform accepts as an image we upload."""

    max_bytes: Limit | None = None          # an attached image
    thumb_max_bytes: Limit | None = None    # a link card's thumbnail we upload (Bluesky)
    card_max_bytes: Limit | None = None     # the card image the platform fetches from the page's tags (X: less than)
    max_count: Limit | None = None          # images per post
    formats: tuple[str, ...] = ()           # accepted formats; empty: not restricted (or not documented)
    aspect: tuple[float, float] | None = None    # (min, max) width / height
    required: bool = False                  # a post cannot go out without one
    source: str = ""


@dataclass(frozen=True)
class Video:
    """The figures of a network's video rules that the build and the publisher share (``smmgen.video.rules``
    holds the rest)."""

    max_bytes: Limit
    max_seconds: Limit | None = None
    min_seconds: Limit | None = None
    min_bytes: Limit | None = None
    min_frame_rate: Limit | None = None
    max_frame_rate: Limit | None = None
    max_pixels: Limit | None = None         # width x height


@dataclass(frozen=True)
class PlatformFacts:
    """One platform's rules."""

    name: str
    text: Limit                             # the post's text, in its unit
    text_bytes: Limit | None = None         # a second cap on the same text, in UTF-8 bytes
    caption: Limit | None = None            # the text under a photo, where it differs from ``text``
    max_links: Limit | None = None          # links in the text
    attached_links: Limit | None = None     # links attached beside the text (VK's attachments)
    max_hashtags: Limit | None = None
    max_mentions: Limit | None = None
    max_langs: Limit | None = None
    hashtag_length: Limit | None = None     # the longest hashtag, without '#' (Threads: its one topic tag)
    hashtag_bytes: Limit | None = None      # the same, in UTF-8 bytes
    url_length: Limit | None = None         # what one URL counts in the text (a default, per server)
    threads: bool = False                   # replies to our own post make a thread
    images: Images = field(default_factory=Images)
    video: Video | None = None
    budgets: tuple[Budget, ...] = ()
    schedule: Window | None = None          # how far ahead the platform's own scheduler takes a post
    delete: Window | None = None            # when after posting the API still deletes a post


# --- sources -------------------------------------------------------------------------------------------------

X1 = "twitter/twitter-text config/v3.json; https://docs.x.com/fundamentals/counting-characters [X1][X2]"
X4 = "https://docs.x.com/x-api/media (image 5 MB) [X4]"
X8 = "https://developer.x.com/cards/markup (card image less than 5 MB) [X8]"
X6 = "https://developer.x.com/en/docs/x-api/tweets/manage-tweets (rate limits) [X6]"
X_VIDEO = ("https://developer.x.com/en/docs/twitter-api/v1/media/upload-media/uploading-media/"
           "media-best-practices (via ayrshare.com)")
M1 = "mastodon/documentation content/en/user/posting.md; entities/Instance.md [M1][M2]"
M_VIDEO = ("https://docs.joinmastodon.org/methods/instance/#v2 configuration.media_attachments (video_size_limit, "
           "video_matrix_limit, video_frame_rate_limit: mastodon.social's, a default; the instance's own are read at "
           "publish time)")
M4 = "mastodon/documentation content/en/methods/statuses.md (scheduled_at at least 5 minutes ahead) [M4]"
B1 = "bluesky-social/atproto lexicons/app/bsky/feed/post.json (text maxGraphemes 300, maxLength 3000) [B1]"
B2 = "bluesky-social/atproto lexicons/app/bsky/richtext/facet.json (tag maxGraphemes 64, maxLength 640) [B2]"
B4 = "bluesky-social/atproto lexicons/app/bsky/embed/external.json (thumb maxSize 1000000) [B4]"
B5 = "bluesky-social/atproto lexicons/app/bsky/embed/images.json (maxSize 2000000, 4 images) [B5]"
B_VIDEO = ("bluesky-social/atproto lexicons/app/bsky/embed/video.json (maxSize 100000000); Bluesky's 2025-03 "
           "3-minute video announcement")
T1 = "https://developers.facebook.com/documentation/threads/posts (500; emoji as UTF-8 bytes) [T1]"
T2 = "https://developers.facebook.com/documentation/threads/create-posts/text-attachments (5 links) [T2]"
T_TOPIC = ("topic_tag: one per post, 1-50 characters, no '.' or '&' (Threads posts doc, 'Topic Tags', as quoted by "
           "third-party clients); unverified first-hand")
T3 = "https://developers.facebook.com/documentation/threads/overview (250 posts per 24 h) [T3]"
T_VIDEO = "https://developers.facebook.com/docs/threads/overview#video-specifications (via ayrshare.com)"
F2 = ("https://developers.facebook.com/docs/pages-api/posts (scheduled_publish_time; the 10 min - 30 day window "
      "as client libraries use it) [F2][F3]")
F_TEXT = "63,206 characters: Facebook announcement (2011, via Mashable); unverified in current docs"
I1 = ("https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media "
      "(caption 2200, 30 hashtags, 20 tags; image_url required; JPEG, 8 MB, 4:5 to 1.91:1) [I1]")
I2 = ("https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/ig-user/"
      "media_publish (50 posts per 24 h) [I2]")
I_REELS = ("https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media"
           "#reel-specifications (MP4 or MOV, 3 s to 15 min, 23-60 fps, 300 MB)")
L2 = "commentary 3000 characters: third-party notes quoting the Posts API schema; unverified first-hand [L2]"
L_VIDEO = ("https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api "
           "(75 KB to 500 MB, 3 s to 30 min; via ayrshare.com)")
G1 = ("https://core.telegram.org/bots/api#sendmessage (text 1-4096 characters after entities parsing; offsets in "
      "UTF-16 code units) [G1][G2]")
G1_CAPTION = "https://core.telegram.org/bots/api#sendphoto (caption 0-1024 characters after entities parsing) [G1]"
G4 = "https://core.telegram.org/bots/api#sendphoto (photo 10 MB; width + height <= 10000; ratio <= 20) [G4]"
G6 = ("https://core.telegram.org/bots/api#deletemessage (\"A message can only be deleted if it was sent less than "
      "48 hours ago\") [G6]")
G_VIDEO = "https://core.telegram.org/bots/api#sending-files (bots upload files up to 50 MB)"
V1 = ("VKCOM/vk-api-schema wall/methods.json (publish_date: a time in the future); no message length documented: "
      "4096 is our conservative default; a month ahead is our choice [V1]")

# --- the facts -----------------------------------------------------------------------------------------------

X = PlatformFacts(
    name="x",
    text=Limit(280, "weighted", X1),
    threads=True,
    images=Images(max_bytes=Limit(5 * MIB, "bytes", X4), max_count=Limit(4, "images", X4),
                  card_max_bytes=Limit(5_000_000, "bytes", X8), source=X4),
    video=Video(max_bytes=Limit(512 * MIB, "bytes", X_VIDEO), max_seconds=Limit(140, "s", X_VIDEO),
                min_seconds=Limit(0.5, "s", X_VIDEO)),
    budgets=(
        Budget(200, dt.timedelta(minutes=15), True, "X API: POST /2/tweets, 200 per 15 min per user"),
        Budget(300, dt.timedelta(hours=3), True, "X API: 300 posts per 3 h, shared with reposts"),
    ),
)

MASTODON = PlatformFacts(
    name="mastodon",
    text=Limit(500, "mastodon", M1 + " (500 by default; the server's max_characters)"),
    url_length=Limit(23, "mastodon", M1 + " (characters_reserved_per_url, 23 by default)"),
    threads=True,
    video=Video(max_bytes=Limit(103_809_024, "bytes", M_VIDEO), max_pixels=Limit(8_294_400, "pixels", M_VIDEO),
                max_frame_rate=Limit(120, "fps", M_VIDEO)),
    schedule=Window(dt.timedelta(minutes=5), None, M4),
)

BLUESKY = PlatformFacts(
    name="bluesky",
    text=Limit(300, "graphemes", B1),
    text_bytes=Limit(3000, "utf8-bytes", B1),
    max_langs=Limit(3, "langs", B1),
    hashtag_length=Limit(64, "graphemes", B2),
    hashtag_bytes=Limit(640, "utf8-bytes", B2),
    threads=True,
    images=Images(max_bytes=Limit(2_000_000, "bytes", B5), thumb_max_bytes=Limit(1_000_000, "bytes", B4),
                  max_count=Limit(4, "images", B5), source=B5),
    video=Video(max_bytes=Limit(100_000_000, "bytes", B_VIDEO), max_seconds=Limit(180, "s", B_VIDEO)),
)

THREADS = PlatformFacts(
    name="threads",
    text=Limit(500, "threads", T1),
    max_links=Limit(5, "links", T2),
    hashtag_length=Limit(50, "utf16", T_TOPIC),
    threads=True,
    video=Video(max_bytes=Limit(1024 * MIB, "bytes", T_VIDEO), max_seconds=Limit(300, "s", T_VIDEO),
                min_frame_rate=Limit(23, "fps", T_VIDEO), max_frame_rate=Limit(60, "fps", T_VIDEO)),
    budgets=(Budget(250, dt.timedelta(hours=24), True, "Threads API: 250 published posts per 24 h"),),
)

FACEBOOK = PlatformFacts(
    name="facebook",
    text=Limit(63206, "characters", F_TEXT),
    schedule=Window(dt.timedelta(minutes=10), dt.timedelta(days=30), F2),
)

INSTAGRAM = PlatformFacts(
    name="instagram",
    text=Limit(2200, "characters", I1),
    max_hashtags=Limit(30, "hashtags", I1),
    max_mentions=Limit(20, "mentions", I1),
    images=Images(max_bytes=Limit(8 * MIB, "bytes", I1), max_count=Limit(1, "images", I1), formats=("jpeg",),
                  aspect=(4 / 5, 1.91), required=True, source=I1),
    video=Video(max_bytes=Limit(300 * MIB, "bytes", I_REELS), max_seconds=Limit(15 * 60, "s", I_REELS),
                min_seconds=Limit(3, "s", I_REELS), min_frame_rate=Limit(23, "fps", I_REELS),
                max_frame_rate=Limit(60, "fps", I_REELS)),
    budgets=(Budget(50, dt.timedelta(hours=24), False, "Instagram API: 50 published posts per 24 h"),),
)

LINKEDIN = PlatformFacts(
    name="linkedin",
    text=Limit(3000, "characters", L2),
    video=Video(max_bytes=Limit(500 * MIB, "bytes", L_VIDEO), max_seconds=Limit(30 * 60, "s", L_VIDEO),
                min_seconds=Limit(3, "s", L_VIDEO), min_bytes=Limit(75 * 1024, "bytes", L_VIDEO)),
)

TELEGRAM = PlatformFacts(
    name="telegram",
    text=Limit(4096, "utf16", G1),
    caption=Limit(1024, "utf16", G1_CAPTION),
    images=Images(max_bytes=Limit(10_000_000, "bytes", G4), source=G4),
    video=Video(max_bytes=Limit(50 * MIB, "bytes", G_VIDEO)),
    delete=Window(dt.timedelta(0), dt.timedelta(hours=48), G6),
)

VK = PlatformFacts(
    name="vk",
    text=Limit(4096, "characters", V1),
    attached_links=Limit(1, "links", "VKCOM/vk-api-schema wall/methods.json (attachments: \"If more than one link "
                                     "is being attached, an error will be thrown\") [V1]"),
    schedule=Window(dt.timedelta(minutes=10), dt.timedelta(days=30), V1),
)

PLATFORMS: dict[str, PlatformFacts] = {f.name: f for f in (X, MASTODON, BLUESKY, THREADS, FACEBOOK, INSTAGRAM,
                                                           LINKEDIN, TELEGRAM, VK)}


def get(name: str) -> PlatformFacts | None:
    """The facts of platform ``name``; None for a platform smmgen has none for (a third-party one)."""
    return PLATFORMS.get(name)


# --- counting the plain encodings ----------------------------------------------------------------------------

def encoded_length(text: str, unit: str) -> int:
    """Length of ``text`` in a plain-encoding unit: ``utf16`` and ``characters`` (UTF-16 code units) or
    ``utf8-bytes``; the same count as ``smmgen.text.measure`` for those units. Any other unit raises ``ValueError``:
    it needs the build's measuring, and the publisher trusts the manifest for it."""
    if unit in ("utf16", "characters"):
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    if unit == "utf8-bytes":
        return len(text.encode("utf-8", "surrogatepass"))
    raise ValueError(f"{unit!r} is counted at build time (smmgen.text.measure), not by encoding")
