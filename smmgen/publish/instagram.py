"""Instagram: an image post through the content publishing API: a media container (``image_url``, ``caption``,
``alt_text``), polled until it is ``FINISHED``, then ``media_publish``; a video goes out the same way as a Reel
(``media_type=REELS``, ``video_url``, ``cover_url`` from the poster, ``share_to_feed``), served from
``[site] media_base_url``.

Meta fetches the image itself from ``image_url``, so the card must be public: the manifest gives its address
under ``[site] cards_base_url``, and before Meta is asked, the adapter checks (HEAD, then the bytes) that the
address serves exactly the file in the manifest. Only JPEG, aspect ratio 4:5 to 1.91:1, at most 8 MB. The
account's publishing quota is read first (``content_publishing_limit``): a full quota is a rate limit, not a
failed call.

Exactly once: a container never published does no harm (it expires after 24 h), so creating one may be
repeated; ``media_publish`` may not, and after a lost answer the runner asks ``find``, which looks for the
caption among the account's recent media.

Deleting: only the "Instagram API with Facebook Login" (graph.facebook.com) offers ``DELETE /{ig-media-id}``;
with ``api = "instagram_login"`` an expiry cannot be honoured, which ``smmgen check`` reports.

Sources: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
(image_url, caption, alt_text; JPEG; 8 MB; aspect 4:5..1.91:1; caption 2200); .../ig-user/media_publish
(creation_id; 50 posts per moving 24 h); .../ig-user/content_publishing_limit (quota_usage, config with
quota_total and quota_duration); .../reference/ig-container (status_code EXPIRED, ERROR, FINISHED,
IN_PROGRESS, PUBLISHED, and ``status`` with the error; hosts graph.instagram.com and graph.facebook.com); IG
Media ``permalink``; .../ig-user/media#reel-specifications (REELS: video_url, cover_url, share_to_feed; MP4 or
MOV, 3 s to 15 min, 23-60 fps, 300 MB). Deleting IG
media with Facebook Login and ``instagram_manage_contents`` is known from third-party clients quoting the
IG Media reference (unverified first-hand).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from smmgen import facts
from smmgen.errors import AuthError, ConfigError, PublishError, RateLimited
from smmgen.publish import meta
from smmgen.publish.base import AdapterContext, Lookup, MediaFile, Post, Posted, Secret, VideoFile, parse_time
from smmgen.publish.http import Http
from smmgen.publish.processing import media_wait

NAME = "instagram"
ENV = ("SMMGEN_INSTAGRAM_TOKEN",)
HOSTS = {"facebook_login": "https://graph.facebook.com", "instagram_login": "https://graph.instagram.com"}
FACTS = facts.INSTAGRAM
MAX_BYTES = int(FACTS.images.max_bytes.value)
ASPECT_MIN, ASPECT_MAX = FACTS.images.aspect
CAPTION_MAX = FACTS.text          # in its unit: "characters", i.e. UTF-16 code units, as the build counts it
REEL_MAX_BYTES = int(FACTS.video.max_bytes.value)
REEL_SECONDS = (float(FACTS.video.min_seconds.value), float(FACTS.video.max_seconds.value))
REEL_FPS = (float(FACTS.video.min_frame_rate.value), float(FACTS.video.max_frame_rate.value))
PAGE = 50
LOOKUP_SLACK = dt.timedelta(minutes=15)


def open(ctx: AdapterContext) -> Instagram:
    token = ctx.secret(ENV[0])
    user_id = ctx.setting("user_id")
    if not user_id:
        raise ConfigError("smmgen.toml", "publish.instagram.user_id",
                          "required to publish to Instagram (the professional account's id)")
    return Instagram(ctx, str(user_id), token)


class Instagram:
    name = NAME

    def __init__(self, ctx: AdapterContext, user_id: str, token: Secret):
        self._user = user_id
        self._token = token
        self._flavour = str(ctx.setting("api", "facebook_login"))
        api = str(ctx.setting("api_base") or HOSTS[self._flavour]).rstrip("/")
        self._base = f"{api}/{ctx.setting('graph_version', 'v25.0')}"
        self._config, self._budget = ctx.http, ctx.budget
        self._media_wait = media_wait(ctx)
        self._http = Http(NAME, self._base, ctx.http, ctx.budget, secrets=[token],
                          error_body=meta.error_body(NAME))

    def __repr__(self) -> str:
        return f"Instagram(user_id={self._user!r}, api={self._flavour})"

    def close(self) -> None:
        self._http.close()

    # --- the adapter interface -----------------------------------------------------------------------------

    def create(self, post: Post) -> Posted:
        if post.video is not None:
            return self._create_reel(post, post.video)
        image = self._image(post)
        self._check_quota(post)
        url = meta.check_public(NAME, image, post.entry_id, self._config, self._budget)
        fields = {"image_url": url, "caption": post.text, **self._auth()}
        if image.alt:
            fields["alt_text"] = image.alt
        container = str(self._http.call("POST", f"{self._user}/media", resend=True, entry_id=post.entry_id,
                                        data=fields).json()["id"])
        return self._publish(post, container)

    def _publish(self, post: Post, container: str) -> Posted:
        meta.wait_for_container(self._http, NAME, container, field="status_code", params=self._auth(),
                                seconds=self._media_wait, entry_id=post.entry_id, detail="status")
        response = self._http.call("POST", f"{self._user}/media_publish", resend=False, entry_id=post.entry_id,
                                   data={"creation_id": container, **self._auth()})
        return self._posted(str(response.json()["id"]), container)

    def _create_reel(self, post: Post, video: VideoFile) -> Posted:
        """A Reel: a REELS container with the video's public URL (and the poster as its cover), processed by
        Meta until FINISHED, then published like an image."""
        self._check_caption(post)
        problems = []
        if (video.size or 0) > REEL_MAX_BYTES:
            problems.append(f"{video.path.name} is {video.size:,} bytes; Instagram takes Reels up to "
                            f"{REEL_MAX_BYTES:,}")
        if not REEL_SECONDS[0] <= video.duration <= REEL_SECONDS[1]:
            problems.append(f"the video is {video.duration:g} s; Instagram takes Reels of {REEL_SECONDS[0]:g} to "
                            f"{REEL_SECONDS[1]:g} s")
        if not REEL_FPS[0] <= video.frame_rate <= REEL_FPS[1]:
            problems.append(f"the video has {video.frame_rate:g} frames a second; Instagram takes "
                            f"{REEL_FPS[0]:g} to {REEL_FPS[1]:g}")
        if problems:
            raise PublishError(NAME, "; ".join(problems), entry_id=post.entry_id)
        self._check_quota(post)
        fields = {"media_type": "REELS", "caption": post.text, "share_to_feed": "true", **self._auth(),
                  "video_url": meta.check_public(NAME, video, post.entry_id, self._config, self._budget)}
        if video.poster is not None and video.poster.url:
            fields["cover_url"] = meta.check_public(NAME, video.poster, post.entry_id, self._config, self._budget)
        # A container never published expires unused, so creating one may be repeated.
        container = str(self._http.call("POST", f"{self._user}/media", resend=True, entry_id=post.entry_id,
                                        data=fields).json()["id"])
        return self._publish(post, container)

    def find(self, post: Post, since: dt.datetime | None) -> Lookup:
        try:
            body = self._http.call("GET", f"{self._user}/media", resend=True,
                                   params={"fields": "id,caption,timestamp", "limit": PAGE,
                                           **self._auth()}).json()
        except AuthError as e:
            return Lookup.unknown(f"cannot read the account's media ({e.detail})")
        items = list(body.get("data") or [])
        hit = next((m for m in items if m.get("caption") == post.text), None)
        if hit is not None:
            return Lookup(self._posted(str(hit["id"]), None))
        oldest = parse_time((items[-1].get("timestamp") or "").replace("+0000", "+00:00")) if items else None
        start = (since or post.now) - LOOKUP_SLACK
        if len(items) < PAGE or (oldest is not None and oldest < start):
            return Lookup.absent()
        return Lookup.unknown(f"not among the account's latest {len(items)} posts")

    def delete(self, posted: Posted) -> None:
        if self._flavour != "facebook_login":
            raise PublishError(NAME, "cannot delete on instagram: the Instagram API with Instagram Login has "
                               'no delete; use api = "facebook_login" to delete expired posts')
        response = self._http.call("DELETE", posted.remote_id, resend=True, ok=(200, 400, 404),
                                   params=self._auth())
        error = meta.graph_error(response)
        if response.status_code == 200 or (error.get("code") == 100 and error.get("error_subcode") == 33):
            return
        raise self._http.error_for(response)

    def edit(self, posted: Posted, post: Post) -> Posted:
        raise PublishError(NAME, 'smmgen does not edit Instagram posts (set on_change = "repost")',
                           entry_id=post.entry_id)

    # --- helpers -----------------------------------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        return {"access_token": self._token.reveal()}

    def _check_caption(self, post: Post) -> None:
        if len(post.parts) > 1:
            raise PublishError(NAME, "an Instagram post has one caption; this cut has several parts",
                               entry_id=post.entry_id)
        length = facts.encoded_length(post.text, CAPTION_MAX.unit)
        if length > CAPTION_MAX.value:
            raise PublishError(NAME, f"the caption is {length} characters (UTF-16); Instagram takes "
                               f"{CAPTION_MAX.value}", entry_id=post.entry_id)

    def _image(self, post: Post) -> MediaFile:
        """The one image, checked against the content publishing rules before anything is sent."""
        self._check_caption(post)
        images = post.media_for("attach")
        if not images:
            raise PublishError(NAME, "an Instagram post needs an image, and this cut has none",
                               entry_id=post.entry_id)
        from PIL import Image, UnidentifiedImageError  # only a real post reads the image's header

        image = images[0]
        data = image.read(NAME, post.entry_id)
        problems = []
        if len(data) > MAX_BYTES:
            problems.append(f"{len(data):,} bytes (Instagram takes {MAX_BYTES:,})")
        try:
            with Image.open(io.BytesIO(data)) as im:
                fmt, (width, height) = im.format, im.size
        except (UnidentifiedImageError, OSError):
            fmt, width, height = None, 0, 1
        if (fmt or "").lower() not in FACTS.images.formats:
            problems.append(f"{fmt or 'not an image'}, and Instagram takes only JPEG")
        elif not ASPECT_MIN - 1e-3 <= width / height <= ASPECT_MAX + 1e-3:
            problems.append(f"{width}x{height}, outside the aspect ratios 4:5 to 1.91:1 Instagram takes")
        if problems:
            raise PublishError(NAME, f"{image.path.name}: " + "; ".join(problems), entry_id=post.entry_id)
        return image

    def _check_quota(self, post: Post) -> None:
        body = self._http.call("GET", f"{self._user}/content_publishing_limit", resend=True,
                               entry_id=post.entry_id, params={"fields": "quota_usage,config", **self._auth()})
        rows = body.json().get("data") or [{}]
        usage = int(rows[0].get("quota_usage") or 0)
        total = int((rows[0].get("config") or {}).get("quota_total") or 0)
        if total and usage >= total:
            hours = int((rows[0].get("config") or {}).get("quota_duration") or 86400) // 3600
            raise RateLimited(NAME, f"the account has published {usage} of its {total} posts allowed in "
                              f"{hours} h", entry_id=post.entry_id)

    def _posted(self, media_id: str, container: str | None) -> Posted:
        try:
            url = self._http.call("GET", media_id, resend=True,
                                  params={"fields": "permalink", **self._auth()}).json().get("permalink")
        except PublishError:
            url = None     # the post exists: failing now would post it again on the next run
        remote: dict[str, Any] = {"user_id": self._user, "api": self._flavour}
        if container:
            remote["container"] = container
        return Posted(remote_id=media_id, url=url, remote=remote)
