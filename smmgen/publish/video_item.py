"""The publisher's name for the manifest's video item checks, which live beside the model in
``smmgen.manifest_video``."""

from __future__ import annotations

from smmgen.manifest_model import Captions, Media, Poster
from smmgen.manifest_video import KIND, VIDEO_KEYS, check_video, is_video

Video = Media      # a video is a ``Media`` of kind "video"

__all__ = ["KIND", "VIDEO_KEYS", "Captions", "Media", "Poster", "Video", "check_video", "is_video"]
