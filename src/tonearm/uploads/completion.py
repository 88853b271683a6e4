"""Completion of direct-to-S3 uploads. S3 does not call us, so three paths notice an arrived object:

1. the client's signed completion call (`complete_url` in the upload handle),
2. a HEAD check when a waiting track or its upload session is read (GET track, GET upload session),
3. the periodic reaper, for recent tracks still waiting for their upload.

All three end in `receive.mark_stored` (the code path a PUT to Tonearm takes), whose guarded
UPDATE moves a track to processing exactly once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid

from sqlalchemy import select, update

from tonearm.catalog.models import Collection, Track
from tonearm.db.base import utcnow
from tonearm.errors import NotFound
from tonearm.storage import can_presign, keys
from tonearm.uploads.handles import MAX_COVER_BYTES, upload_limit
from tonearm.uploads.receive import check_image_head, mark_stored

log = logging.getLogger("tonearm.uploads")


@dataclasses.dataclass(frozen=True)
class Deps:
    settings: object
    storage: object
    queue: object
    sessionmaker: object

    @classmethod
    def of(cls, state) -> "Deps":
        """From app.state, or from a job context (which has no sessionmaker of its own)."""
        maker = getattr(state, "sessionmaker", None)
        if maker is None:
            from tonearm.db.session import get_sessionmaker

            maker = get_sessionmaker(state.settings.database_url)
        return cls(state.settings, state.storage, state.queue, maker)


@dataclasses.dataclass(frozen=True)
class Outcome:
    state: str  # "waiting" | "empty" | "stored" (now) | "done" (earlier) | "rejected"
    track_status_id: str
    size: int | None = None
    reason: str | None = None


def check_track(deps: Deps, track_id: uuid.UUID) -> Outcome:
    """Look for a waiting track's original in storage and complete the upload when it is there."""
    with deps.sessionmaker() as db:
        track = db.get(Track, track_id)
        if track is None:
            raise NotFound("Track not found")
        if track.upload_state != "pending":
            state = "rejected" if track.upload_state == "rejected" else "done"
            return Outcome(state, track.track_status_id, track.size, track.status_text)
        index, limit, status = track.index, upload_limit(deps.settings, track), track.track_status_id
    key = keys.original(index)
    info = deps.storage.stat(key)
    if info is None:
        return Outcome("waiting", status)
    if info.size == 0:  # the presigned URL still works: the client may PUT again
        deps.storage.delete(key)
        return Outcome("empty", status, 0, "Empty upload: the object has no bytes")
    if info.size > limit:
        deps.storage.delete(key)
        reason = f"The upload of {info.size} bytes exceeds the limit of {limit} bytes"
        return _reject(deps, track_id, info.size, reason) or check_track(deps, track_id)
    if mark_stored(deps.sessionmaker, deps.storage, track_id, key=key, size=info.size, sha256=None, expect="pending"):
        deps.queue.enqueue("processing.track", str(track_id))
        log.info("uploads.complete track=%s size=%s", track_id, info.size)
        return Outcome("stored", "processing", info.size)
    return check_track(deps, track_id)  # another path completed it meanwhile


def _reject(deps: Deps, track_id: uuid.UUID, size: int, reason: str) -> Outcome | None:
    """pending → rejected, the track → init_error (with its webhook), once."""
    from tonearm.webhooks.service import record_track_events

    with deps.sessionmaker() as db:
        result = db.execute(
            update(Track).where(Track.id == track_id, Track.upload_state == "pending").values(
                upload_state="rejected", track_status_id="init_error", status_text=reason, size=size,
                files_completed_at=utcnow(), updated_at=utcnow())
        )
        if result.rowcount != 1:
            db.rollback()
            return None
        track = db.get(Track, track_id)
        ids = record_track_events(db, public_url=deps.settings.public_url, track=track, previous_status="initialized",
                                  files=[], variants={})
        db.commit()
    for delivery_id in ids:
        deps.queue.enqueue("webhooks.deliver", str(delivery_id))
    log.info("uploads.reject track=%s: %s", track_id, reason)
    return Outcome("rejected", "init_error", size, reason)


def check_quietly(deps: Deps, track_ids: list[uuid.UUID]) -> int:
    """HEAD-check waiting tracks on a read path: failures are logged, never shown to the reader."""
    done = 0
    if not can_presign(deps.storage):
        return done
    for tid in track_ids:
        try:
            done += check_track(deps, tid).state in ("stored", "rejected")
        except Exception:  # storage hiccup or a deleted track: the next read or sweep tries again
            log.warning("uploads.check track=%s failed", tid, exc_info=True)
    return done


def waiting_in_session(deps: Deps, session_id: uuid.UUID, limit: int = 50) -> list[uuid.UUID]:
    with deps.sessionmaker() as db:
        return list(db.scalars(select(Track.id).where(Track.upload_session_id == session_id,
                                                      Track.upload_state == "pending").limit(limit)))


def sweep(deps: Deps, limit: int = 200) -> int:
    """Reaper pass: recent tracks still waiting (their upload URL may still be in use)."""
    if not can_presign(deps.storage):
        return 0
    window = deps.settings.session_ttl_max + 2 * deps.settings.reap_interval_seconds
    since = utcnow() - dt.timedelta(seconds=window)
    with deps.sessionmaker() as db:
        ids = list(db.scalars(select(Track.id).where(Track.upload_state == "pending", Track.created_at > since)
                              .order_by(Track.created_at.desc()).limit(limit)))
    return check_quietly(deps, ids)


def _image_object(deps: Deps, key: str) -> None:
    """The posted cover exists, is within the limit and starts like an image; else it is removed."""
    from tonearm.errors import Conflict, Invalid, TooLarge

    info = deps.storage.stat(key)
    if info is None:
        raise Conflict("The cover has not reached storage yet; POST the form to upload_url first")
    try:
        if info.size > MAX_COVER_BYTES:
            raise TooLarge(f"Cover images are limited to {MAX_COVER_BYTES} bytes")
        if info.size == 0:
            raise Invalid("Empty cover upload")
        with deps.storage.open(key, 0, 16) as fh:
            check_image_head(fh.read(16))
    except (TooLarge, Invalid):
        deps.storage.delete(key)
        raise


def complete_track_cover(deps: Deps, track_id: uuid.UUID) -> bool:
    """Returns True when the audio is already stored (the caller enqueues processing.cover)."""
    with deps.sessionmaker() as db:
        track = db.get(Track, track_id)
        if track is None:
            raise NotFound("Track not found")
        key = keys.cover_upload(track.index)
    _image_object(deps, key)
    with deps.sessionmaker() as db:
        track = db.get(Track, track_id)
        if track is None:
            raise NotFound("Track not found")
        track.cover_key = key
        db.commit()
        return track.upload_state == "stored"


def complete_collection_cover(deps: Deps, collection_id: uuid.UUID) -> None:
    key = keys.collection_cover_upload(collection_id)
    with deps.sessionmaker() as db:
        if db.get(Collection, collection_id) is None:
            raise NotFound("Collection not found")
    _image_object(deps, key)
    with deps.sessionmaker() as db:
        col = db.get(Collection, collection_id)
        if col is None:
            raise NotFound("Collection not found")
        col.cover_key = key
        db.commit()
