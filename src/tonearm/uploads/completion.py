"""Completion of direct-to-S3 uploads. S3 does not call us, so three paths notice an arrived object:

1. the client's signed completion call (`complete_url` in the upload handle),
2. a HEAD check when a waiting track or its upload session is read (GET track, GET upload session),
3. the periodic sweep (`uploads.sweep`), for recent tracks still waiting for their upload.

All three end in `service.mark_stored` (the transition a PUT to Tonearm takes), whose guarded
UPDATE moves a track to processing exactly once. These are flows: each step between storage
calls is its own unit of work, committed here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
import uuid

from sqlalchemy import select

from tonearm.catalog.models import Track
from tonearm.catalog.states import TrackStatus, UploadState
from tonearm.db.base import utcnow
from tonearm.delivery.handles import upload_limit
from tonearm.errors import NotFound
from tonearm.jobs.runtime import Runtime
from tonearm.storage import can_presign, keys
from tonearm.uploads import service
from tonearm.uploads.service import Stored

log = logging.getLogger("tonearm.uploads")


class Arrival(enum.StrEnum):
    WAITING = "waiting"  # nothing in storage yet
    EMPTY = "empty"  # a zero-byte object (removed; the presigned URL still works)
    STORED = "stored"  # this check completed the upload
    DONE = "done"  # completed earlier
    REJECTED = "rejected"  # refused (over the limit)


@dataclasses.dataclass(frozen=True)
class Outcome:
    state: Arrival
    track_status_id: str
    size: int | None = None
    reason: str | None = None


def check_track(rt: Runtime, track_id: uuid.UUID) -> Outcome:
    """Look for a waiting track's original in storage and complete the upload when it is there."""
    with rt.unit() as db:
        track = db.get(Track, track_id)
        if track is None:
            raise NotFound("Track not found")
        if track.upload_state != UploadState.PENDING:
            state = Arrival.REJECTED if track.upload_state == UploadState.REJECTED else Arrival.DONE
            return Outcome(state, track.track_status_id, track.size, track.status_text)
        index, limit, status = track.index, upload_limit(rt.settings, track), track.track_status_id
    key = keys.original(index)
    info = rt.storage.stat(key)
    if info is None:
        return Outcome(Arrival.WAITING, status)
    if info.size == 0:  # the presigned URL still works: the client may PUT again
        rt.storage.delete(key)
        return Outcome(Arrival.EMPTY, status, 0, "Empty upload: the object has no bytes")
    if info.size > limit:
        rt.storage.delete(key)
        reason = f"The upload of {info.size} bytes exceeds the limit of {limit} bytes"
        return _reject(rt, track_id, info.size, reason) or check_track(rt, track_id)
    with rt.unit() as db:
        stored = service.mark_stored(db, track_id, key=key, size=info.size, sha256=None, expect=UploadState.PENDING)
    if stored is Stored.GONE:  # deleted while uploading
        rt.storage.delete(key)
        raise NotFound("Track not found")
    if stored is Stored.NOW:
        rt.enqueue("processing.track", track_id)
        log.info("uploads.complete track=%s size=%s", track_id, info.size)
        return Outcome(Arrival.STORED, TrackStatus.PROCESSING, info.size)
    return check_track(rt, track_id)  # another path completed it meanwhile


def _reject(rt: Runtime, track_id: uuid.UUID, size: int, reason: str) -> Outcome | None:
    with rt.unit() as db:
        ids = service.reject(db, track_id, size=size, reason=reason)
    if ids is None:
        return None
    for delivery_id in ids:
        rt.enqueue("webhooks.deliver", delivery_id)
    log.info("uploads.reject track=%s: %s", track_id, reason)
    return Outcome(Arrival.REJECTED, TrackStatus.INIT_ERROR, size, reason)


def check_quietly(rt: Runtime, track_ids: list[uuid.UUID]) -> int:
    """HEAD-check waiting tracks on a read path: failures are logged, never shown to the reader."""
    done = 0
    if not can_presign(rt.storage):
        return done
    for tid in track_ids:
        try:
            done += check_track(rt, tid).state in (Arrival.STORED, Arrival.REJECTED)
        except Exception:  # storage hiccup or a deleted track: the next read or sweep tries again
            log.warning("uploads.check track=%s failed", tid, exc_info=True)
    return done


def waiting_in_session(rt: Runtime, session_id: uuid.UUID, limit: int = 50) -> list[uuid.UUID]:
    with rt.unit() as db:
        return list(db.scalars(select(Track.id).where(Track.upload_session_id == session_id,
                                                      Track.upload_state == UploadState.PENDING).limit(limit)))


def sweep(rt: Runtime, limit: int = 200) -> int:
    """Periodic pass: release stalled claims; in S3 mode, check recent tracks still waiting (their
    upload URL may still be in use)."""
    with rt.unit() as db:
        released = service.release_stalled(db, stall_seconds=rt.settings.upload_stall_seconds)
    for tid in released:
        log.warning("uploads.release track=%s: no bytes for %s s; the upload URL works again",
                    tid, rt.settings.upload_stall_seconds)
    if not can_presign(rt.storage):
        return 0
    window = rt.settings.session_ttl_max + 2 * rt.settings.reap_interval_seconds
    since = utcnow() - dt.timedelta(seconds=window)
    with rt.unit() as db:
        ids = list(db.scalars(select(Track.id).where(Track.upload_state == UploadState.PENDING,
                                                     Track.created_at > since)
                              .order_by(Track.created_at.desc()).limit(limit)))
    return check_quietly(rt, ids)
