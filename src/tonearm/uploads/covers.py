"""Cover uploads for tracks and collections: one flow whether the bytes came to Tonearm (a POST to
/u/…/cover) or went straight to the bucket (S3: checked on the completion call)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from tonearm.delivery.handles import MAX_COVER_BYTES
from tonearm.errors import Conflict, Invalid, TooLarge
from tonearm.jobs.runtime import Runtime
from tonearm.storage import keys
from tonearm.uploads import service

IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")


def check_image_head(head: bytes) -> None:
    """Sniff the first bytes: covers are judged by content, never by the client's name or type."""
    if not (head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")):
        raise Invalid("The cover is not a supported image (JPEG, PNG, GIF, WebP, BMP or TIFF)")


def attach_track_cover(rt: Runtime, track_id: uuid.UUID, place: Callable[[str], None]) -> bool:
    """`place(key)` puts (or checks) the image at the track's cover key; then the track points at it.
    True when the audio is already stored: the caller enqueues processing.cover."""
    with rt.unit() as db:
        key = keys.cover_upload(service.track_index(db, track_id))
    place(key)
    with rt.unit() as db:
        return service.set_track_cover(db, track_id, key)


def attach_collection_cover(rt: Runtime, collection_id: uuid.UUID, place: Callable[[str], None]) -> None:
    key = keys.collection_cover_upload(collection_id)
    with rt.unit() as db:
        service.require_collection(db, collection_id)
    place(key)
    with rt.unit() as db:
        service.set_collection_cover(db, collection_id, key)


def check_posted_object(rt: Runtime, key: str) -> None:
    """S3: the posted cover exists, is within the limit and starts like an image; else it is removed."""
    info = rt.storage.stat(key)
    if info is None:
        raise Conflict("The cover has not reached storage yet; POST the form to upload_url first")
    try:
        if info.size > MAX_COVER_BYTES:
            raise TooLarge(f"Cover images are limited to {MAX_COVER_BYTES} bytes")
        if info.size == 0:
            raise Invalid("Empty cover upload")
        with rt.storage.open(key, 0, 16) as fh:
            check_image_head(fh.read(16))
    except (TooLarge, Invalid):
        rt.storage.delete(key)
        raise
