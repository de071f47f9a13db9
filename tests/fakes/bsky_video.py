"""Bluesky's video service (video.bsky.app) for the tests, in front of the real local PDS.

Rules (docs.bsky.app/docs/tutorials/video and the ``app.bsky.video`` lexicons, unless noted):
- ``POST /xrpc/app.bsky.video.uploadVideo?did=..&name=..`` with the MP4 as the body (``Content-Type: video/mp4``)
  and ``Authorization: Bearer <service token>``: a token the user's PDS issued with
  ``com.atproto.server.getServiceAuth``, whose ``aud`` is the PDS's own DID and ``lxm``
  ``com.atproto.repo.uploadBlob`` (the service stores the blob in the PDS with it). Its payload is read here,
  not its signature: the PDS checks that when the blob is stored. Answers the job ``{"jobId", "did", "state"}``.
  The same video from the same account again answers 409 with the earlier job (as client libraries report it;
  unverified first-hand).
- Videos up to 3 minutes and 100 MB, MP4 (the fake decodes it); a video that breaks a rule ends
  ``JOB_STATE_FAILED`` with ``error`` and ``message``, as does every video while ``video_failure`` is set.
- ``GET /xrpc/app.bsky.video.getJobStatus?jobId=..`` answers ``{"jobStatus": {...}}``: ``JOB_STATE_ENCODING``
  for ``video_polls`` reads, then ``JOB_STATE_COMPLETED`` with the ``blob`` stored in the PDS.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import requests

from .server import FakeServer, Request, Response
from .video import probe_problem

MAX_BYTES, MAX_SECONDS = 100_000_000, 180.0


def jwt_payload(token: str) -> dict[str, Any]:
    try:
        body = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (IndexError, ValueError):
        return {}


class FakeVideoService(FakeServer):
    def __init__(self, pds_url: str, pds_did: str):
        super().__init__()
        self.pds_url, self.pds_did = pds_url.rstrip("/"), pds_did
        self.jobs: dict[str, dict[str, Any]] = {}
        self.video_polls = 1
        self.video_failure: str | None = None

    def handle(self, request: Request) -> Response:
        route = f"{request.method} {request.path}"
        if route == "POST /xrpc/app.bsky.video.uploadVideo":
            return self._upload(request)
        if route == "GET /xrpc/app.bsky.video.getJobStatus":
            job = self.jobs.get((request.query.get("jobId") or [""])[-1])
            if job is None:
                return Response(404, {"error": "NotFound", "message": "no such job"})
            if job["state"] == "JOB_STATE_ENCODING":
                job["polls_left"] -= 1
                if job["polls_left"] < 0:
                    job["state"] = "JOB_STATE_FAILED" if job.get("error") else "JOB_STATE_COMPLETED"
            return Response(200, {"jobStatus": self._public(job)})
        return Response(404, {"error": "NotFound", "message": f"no route {route}"})

    def _upload(self, request: Request) -> Response:
        auth = request.header("authorization") or ""
        claims = jwt_payload(auth.removeprefix("Bearer "))
        did = (request.query.get("did") or [""])[-1]
        if claims.get("aud") != self.pds_did or claims.get("lxm") != "com.atproto.repo.uploadBlob" \
                or claims.get("iss") != did:
            return Response(401, {"error": "AuthRequired", "message": "a service token for uploadBlob at the "
                                  "account's PDS is required"})
        if request.header("content-type") != "video/mp4":
            return Response(400, {"error": "InvalidRequest", "message": "Content-Type must be video/mp4"})
        job_id = hashlib.sha256(did.encode() + request.body).hexdigest()[:24]
        if job_id in self.jobs:
            return Response(409, {"error": "already_exists", "message": "Video already processed",
                                  **self._public(self.jobs[job_id])})
        problem = probe_problem(request.body, (0.0, MAX_SECONDS))
        if problem is None and len(request.body) > MAX_BYTES:
            problem = f"{len(request.body)} bytes, more than {MAX_BYTES}"
        job: dict[str, Any] = {"jobId": job_id, "did": did, "state": "JOB_STATE_ENCODING",
                               "polls_left": self.video_polls, "data": request.body}
        if problem or self.video_failure:
            job.update(error="InvalidVideo", message=problem or self.video_failure)
        else:
            # What the service does once the video passed its checks: store the blob in the account's PDS.
            stored = requests.post(f"{self.pds_url}/xrpc/com.atproto.repo.uploadBlob", data=request.body,
                                   headers={"Authorization": auth, "Content-Type": "video/mp4"}, timeout=30)
            if stored.status_code != 200:
                return Response(502, {"error": "UpstreamFailure", "message": f"PDS: {stored.text[:200]}"})
            job["blob"] = stored.json()["blob"]
        self.jobs[job_id] = job
        return Response(200, self._public(job))

    @staticmethod
    def _public(job: dict[str, Any]) -> dict[str, Any]:
        out = {k: job[k] for k in ("jobId", "did", "state") if k in job}
        if job["state"] == "JOB_STATE_COMPLETED":
            out["blob"] = job["blob"]
        if job["state"] == "JOB_STATE_FAILED":
            out.update(error=job["error"], message=job["message"])
        return out
