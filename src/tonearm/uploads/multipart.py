"""Multipart uploads straight to S3 for large originals (a Tonearm extension; AudioDN has none).

POST multipart_url {"size": N}  → {upload_id, part_size, parts: [{part_number, size, url}], complete_url}
PUT  each part to its url (exactly `size` bytes: the length is signed, S3 refuses anything else)
POST complete_url               → Tonearm lists the parts, completes the upload, and carries on as
                                  for a single PUT (size check, track → processing, exactly once).

Signing every part's length bounds the upload by the declared size, which must be within the limit.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid

from tonearm.catalog.models import Track
from tonearm.catalog.states import UploadState
from tonearm.db.base import utcnow
from tonearm.delivery.handles import complete_url, upload_limit
from tonearm.errors import Conflict, Invalid, NotFound, TooLarge
from tonearm.jobs.runtime import Runtime
from tonearm.storage import keys

MiB = 1024 * 1024
PART_MIN = 8 * MiB  # S3's floor is 5 MiB for every part but the last
MAX_PARTS = 10_000


def part_size(size: int) -> int:
    """Whole MiB, at least PART_MIN, few enough parts for S3 (also tus uploads' part size)."""
    return max(PART_MIN, math.ceil(size / MAX_PARTS / MiB) * MiB)


def plan(size: int) -> list[int]:
    """Part sizes for an object of `size` bytes: equal whole-MiB parts, the last one shorter."""
    part = part_size(size)
    count = math.ceil(size / part)
    return [part] * (count - 1) + [size - part * (count - 1)]


def _pending_track(rt: Runtime, track_id: uuid.UUID) -> Track:
    with rt.unit() as db:
        track = db.get(Track, track_id)
        if track is None:
            raise NotFound("Track not found")
        if track.upload_state != UploadState.PENDING:
            raise Conflict("This track's upload is already complete")
        db.expunge(track)
        return track


def start(rt: Runtime, track_id: uuid.UUID, size, expires: int) -> dict:
    if not callable(getattr(rt.storage, "multipart_start", None)):
        raise Invalid("Multipart uploads need S3 storage")
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise Invalid("size must be the file's length in bytes (a positive whole number)")
    track = _pending_track(rt, track_id)
    limit = upload_limit(rt.settings, track)
    if size > limit:
        raise TooLarge(f"Upload of {size} bytes exceeds the limit of {limit} bytes")
    key = keys.original(track.index)
    exp = dt.datetime.fromtimestamp(expires, dt.timezone.utc)
    ttl = max(1, int((exp - utcnow()).total_seconds()))
    upload_id = rt.storage.multipart_start(key)
    sizes = plan(size)
    parts = [{"part_number": n, "size": s, "url": rt.storage.presign_part(key, upload_id, n, s, ttl)}
             for n, s in enumerate(sizes, start=1)]
    complete = complete_url(rt, f"/u/{track_id}/complete", exp, {"upload_id": upload_id, "size": size})
    return {"upload_id": upload_id, "part_size": sizes[0], "parts": parts, "complete_url": complete}


def finish(rt: Runtime, track_id: uuid.UUID, upload_id: str, size: int) -> None:
    """Complete the multipart upload when every part is there with its planned size."""
    with rt.unit() as db:
        track = db.get(Track, track_id)
        if track is None:
            raise NotFound("Track not found")
        key, pending = keys.original(track.index), track.upload_state == UploadState.PENDING
    parts = rt.storage.multipart_parts(key, upload_id)
    if parts is None or not pending:
        return  # finished by an earlier call (or aborted): the object check decides
    expected = plan(size)
    got = {p["PartNumber"]: p["Size"] for p in parts}
    missing = [n for n in range(1, len(expected) + 1) if n not in got]
    if missing:
        raise Conflict(f"{len(expected) - len(missing)} of {len(expected)} parts have arrived; "
                       f"upload part {missing[0]} and the rest first")
    if any(got[n] != s for n, s in enumerate(expected, start=1)) or len(got) != len(expected):
        rt.storage.multipart_abort(key, upload_id)
        raise Invalid("The uploaded parts do not match the planned sizes; start a new multipart upload")
    rt.storage.multipart_complete(key, upload_id, parts)
