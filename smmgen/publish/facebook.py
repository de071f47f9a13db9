"""Facebook Page: a feed post (message and link; Facebook builds the preview from the article's og tags) or,
when the cut attaches an image, a photo post; both as the Page, with a Page access token.

With ``native_scheduling`` on, a post due 10 minutes to 30 days ahead is handed to Facebook's scheduler
(``published=false`` and ``scheduled_publish_time``), so it appears on time even if no publish run happens
then. The Graph API version is pinned in smmgen.toml (``graph_version``).

There is no idempotency key: a create whose answer was lost is looked up among the Page's recent (and, with
native scheduling, scheduled) posts by its message before anything is sent again.

Sources: https://developers.facebook.com/docs/pages-api/posts (POST /{page_id}/feed with message, link,
published, scheduled_publish_time as a Unix time; DELETE /{page_post_id}; the Page access token); Graph API
reference: page/photos (POST with ``source`` or ``url`` and ``message``; answer ``id`` and ``post_id``),
page/feed and page/scheduled_posts (reading), Page Post ``permalink_url``; the error-handling guide (code 100
subcode 33: the object does not exist). The 10 minute to 30 day scheduling window is the one client libraries
enforce (unverified in Meta's current docs; a 2012 Facebook post said 6 months).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests

from ..errors import AuthError, ConfigError, PublishError
from . import meta
from .base import AdapterContext, Lookup, MediaFile, Post, Posted, Secret
from .http import Http

NAME = "facebook"
ENV = ("SMMGEN_FACEBOOK_PAGE_TOKEN",)
SCHEDULE_MIN = dt.timedelta(minutes=10)
SCHEDULE_MAX = dt.timedelta(days=30)
SCHEDULE_WINDOW = (SCHEDULE_MIN, SCHEDULE_MAX)   # read by the runner to hand over posts due ahead
PAGE = 100
LOOKUP_SLACK = dt.timedelta(minutes=15)


def open(ctx: AdapterContext) -> Facebook:
    token = ctx.secret(ENV[0])
    page_id = ctx.setting("page_id")
    if not page_id:
        raise ConfigError("smmgen.toml", "publish.facebook.page_id", "required to publish to a Facebook Page")
    return Facebook(ctx, str(page_id), token)


class Facebook:
    name = NAME

    def __init__(self, ctx: AdapterContext, page_id: str, token: Secret):
        self._page = page_id
        self._token = token
        api = str(ctx.setting("api_base", "https://graph.facebook.com")).rstrip("/")
        self._base = f"{api}/{ctx.setting('graph_version', 'v25.0')}"
        self._native = bool(ctx.setting("native_scheduling", False))
        self._http = Http(NAME, self._base, ctx.http, ctx.budget, secrets=[token],
                          error_body=meta.error_body(NAME))

    def __repr__(self) -> str:
        return f"Facebook(page_id={self._page!r}, api={self._base!r})"

    def close(self) -> None:
        self._http.close()

    # --- the adapter interface -----------------------------------------------------------------------------

    def create(self, post: Post) -> Posted:
        if len(post.parts) > 1:
            raise PublishError(NAME, f"a Facebook post is one message; this cut has {len(post.parts)} parts",
                               entry_id=post.entry_id)
        fields: dict[str, Any] = {"message": post.text, **self._schedule(post), **self._auth()}
        photos = post.media_for("attach")
        if photos:
            kind, photo = "photo", photos[0]
            upload = (photo.path.name, self._read(post, photo), photo.mime)
            response = self._http.call("POST", f"{self._page}/photos", resend=False, entry_id=post.entry_id,
                                       data=fields, files={"source": upload})
            post_id = str(response.json().get("post_id") or response.json()["id"])
        else:
            kind = "feed"
            link = post.extra.get("link") or post.link
            if link:
                fields["link"] = link
            response = self._http.call("POST", f"{self._page}/feed", resend=False, entry_id=post.entry_id,
                                       data=fields)
            post_id = str(response.json()["id"])
        return self._posted(post_id, kind, scheduled="published" in fields)

    def find(self, post: Post, since: dt.datetime | None) -> Lookup:
        start = int(((since or post.now) - LOOKUP_SLACK).timestamp())
        edges = ["feed", "scheduled_posts"] if self._native else ["feed"]
        for edge in edges:
            try:
                body = self._http.call("GET", f"{self._page}/{edge}", resend=True,
                                       params={"fields": "id,message,created_time", "limit": PAGE,
                                               "since": start, **self._auth()}).json()
            except AuthError as e:
                return Lookup.unknown(f"cannot read the Page's posts ({e.detail})")
            items = list(body.get("data") or [])
            hit = next((p for p in items if p.get("message") == post.text), None)
            if hit is not None:
                return Lookup(self._posted(str(hit["id"]), "feed", scheduled=edge == "scheduled_posts"))
            if len(items) >= PAGE:
                return Lookup.unknown(f"not among the Page's latest {len(items)} posts")
        return Lookup.absent()

    def delete(self, posted: Posted) -> None:
        response = self._http.call("DELETE", posted.remote_id, resend=True, ok=(200, 400, 404),
                                   params=self._auth())
        if response.status_code == 200 or _gone(response):
            return
        raise self._http.error_for(response)

    def edit(self, posted: Posted, post: Post) -> Posted:
        raise PublishError(NAME, 'smmgen does not edit Facebook posts (set on_change = "repost")',
                           entry_id=post.entry_id)

    # --- helpers -----------------------------------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        # Sent as a parameter, as the Pages API guide does; the value is scrubbed from every log line.
        return {"access_token": self._token.reveal()}

    def _schedule(self, post: Post) -> dict[str, Any]:
        ahead = post.publish_at - post.now
        if not self._native or not SCHEDULE_MIN <= ahead <= SCHEDULE_MAX:
            return {}
        return {"published": "false", "scheduled_publish_time": int(post.publish_at.timestamp())}

    @staticmethod
    def _read(post: Post, media: MediaFile) -> bytes:
        return media.read(NAME, post.entry_id)

    def _posted(self, post_id: str, kind: str, *, scheduled: bool) -> Posted:
        try:
            url = self._http.call("GET", post_id, resend=True,
                                  params={"fields": "permalink_url", **self._auth()}).json().get("permalink_url")
        except PublishError:
            # The post exists: failing now would post it again on the next run. Facebook resolves this form.
            url = f"https://www.facebook.com/{post_id}"
        return Posted(remote_id=post_id, url=url, remote={"page_id": self._page, "kind": kind,
                                                          "scheduled": scheduled})


def _gone(response: requests.Response) -> bool:
    error = meta.graph_error(response)
    return error.get("code") == 100 and error.get("error_subcode") == 33
