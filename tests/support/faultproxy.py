"""A loopback HTTP proxy in front of a real server (the local PDS), with the fakes' fault injection.

Every request is forwarded as it came; a fault can answer in the server's place (500, 429), hold the
request past the client's timeout before forwarding it, or forward it and then drop the connection (or
SIGKILL the client) so the server has done the work and the client never hears of it.
"""

from __future__ import annotations

import requests
from fakes.server import FakeServer, Request, Response

_FORWARDED = ("authorization", "content-type", "accept", "atproto-accept-labelers")
_RETURNED = ("content-type", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy",
             "retry-after")


class FaultProxy(FakeServer):
    def __init__(self, upstream: str):
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self._session = requests.Session()

    def dispatch(self, request: Request) -> Response:
        # Not under the lock: a held request must not stop the others.
        answer = self._session.request(
            request.method, self.upstream + request.raw_path, data=request.body or None, timeout=60,
            headers={k: v for k, v in request.headers.items() if k in _FORWARDED})
        headers = {k: v for k, v in answer.headers.items() if k.lower() in _RETURNED}
        return Response(answer.status_code, answer.content, headers)

    def stop(self) -> None:
        super().stop()
        self._session.close()
