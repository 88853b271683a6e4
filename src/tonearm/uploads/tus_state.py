"""The database side of tus uploads (uploads/tus.py): create (the track's claim), find, the
one-PATCH-at-a-time hold, acknowledged offsets, completion, termination and expiry. Every
function only flushes; the flow that calls it commits once. Guarded UPDATEs, as in service.py."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from tonearm.catalog.models import Track
from tonearm.catalog.states import UploadState
from tonearm.db.base import utcnow
from tonearm.errors import Conflict, Forbidden, Gone, NotFound
from tonearm.uploads import service
from tonearm.uploads.models import TusState, TusUpload

HOLD_SECONDS = 15  # a PATCH renews its hold as bytes arrive; a dead one frees the upload this soon


def create(db: Session, *, track_id: uuid.UUID, length: int, metadata: str | None, expires_at: dt.datetime,
           part_size: int = 0, s3_upload_id: str | None = None) -> TusUpload:
    """pending → receiving for the track, held by a new tus upload (a PUT now gets 409)."""
    result = db.execute(
        update(Track).where(Track.id == track_id, Track.upload_state == UploadState.PENDING)
        .values(upload_state=UploadState.RECEIVING, upload_progress_at=utcnow())
    )
    if result.rowcount != 1:
        refuse_claim(db, track_id)
    row = TusUpload(id=uuid.uuid4(), track_id=track_id, state=TusState.RECEIVING, length=length, offset=0,
                    metadata_=metadata, s3_upload_id=s3_upload_id, part_size=part_size, parts_done=0,
                    expires_at=expires_at, created_at=utcnow())
    db.add(row)
    db.flush()
    return row


def refuse_claim(db: Session, track_id: uuid.UUID) -> None:
    track = db.get(Track, track_id)
    if track is None:
        raise NotFound("Track not found")
    if track.upload_state == UploadState.RECEIVING:
        live = db.scalar(select(TusUpload.id).where(TusUpload.track_id == track_id))
        how = "a resumable (tus) upload" if live else "a PUT to its upload URL"
        raise Conflict(f"This track is already receiving its bytes through {how}; a track takes one upload at a time")
    raise Forbidden("This track's upload is already complete")


def find(db: Session, track_id: uuid.UUID, upload_id: uuid.UUID) -> TusUpload:
    row = db.get(TusUpload, upload_id)
    if row is None or row.track_id != track_id:
        raise NotFound("No such upload (it was terminated, or never existed)")
    if row.state == TusState.RECEIVING and row.expires_at <= utcnow():
        raise Gone("This upload has expired; create a new one")
    if row.state == TusState.RECEIVING and db.get(Track, track_id) is None:
        raise NotFound("Track not found")
    return row


def hold(db: Session, upload_id: uuid.UUID, token: str | None = None) -> str | None:
    """Take (token None) or renew the upload's hold; the token, or None when another request holds it."""
    now = utcnow()
    new = token or secrets.token_hex(8)
    free = or_(TusUpload.busy_until.is_(None), TusUpload.busy_until < now)
    guard = TusUpload.busy_token == token if token else free
    result = db.execute(update(TusUpload).where(TusUpload.id == upload_id, guard)
                        .values(busy_until=now + dt.timedelta(seconds=HOLD_SECONDS), busy_token=new))
    return new if result.rowcount == 1 else None


def unhold(db: Session, upload_id: uuid.UUID, token: str) -> None:
    db.execute(update(TusUpload).where(TusUpload.id == upload_id, TusUpload.busy_token == token)
               .values(busy_until=None, busy_token=None))


def acknowledge(db: Session, upload_id: uuid.UUID, token: str | None, *, offset: int, parts_done: int,
                track_id: uuid.UUID, release: bool = False) -> bool:
    """Record bytes made durable (fsynced, or uploaded as parts), renewing the hold, or with
    `release` letting go of it in the same statement (the end of a PATCH). False when the hold was lost."""
    where = [TusUpload.id == upload_id, TusUpload.state == TusState.RECEIVING]
    values: dict = {"offset": offset, "parts_done": parts_done}
    if token is not None:
        where.append(TusUpload.busy_token == token)
        if release:
            values |= {"busy_until": None, "busy_token": None}
        else:
            values["busy_until"] = utcnow() + dt.timedelta(seconds=HOLD_SECONDS)
    result = db.execute(update(TusUpload).where(*where).values(**values))
    db.execute(update(Track).where(Track.id == track_id, Track.upload_state == UploadState.RECEIVING)
               .values(upload_progress_at=utcnow()))
    return result.rowcount == 1


def complete(db: Session, row_id: uuid.UUID, *, track_id: uuid.UUID, key: str, size: int) -> service.Stored:
    """Every byte is in storage: the track → processing through the one guarded transition."""
    stored = service.mark_stored(db, track_id, key=key, size=size, sha256=None, expect=UploadState.RECEIVING)
    db.execute(update(TusUpload).where(TusUpload.id == row_id)
               .values(state=TusState.COMPLETE, offset=size, busy_until=None, busy_token=None))
    return stored


def terminate(db: Session, row_id: uuid.UUID, track_id: uuid.UUID) -> None:
    """Forget the upload; the track waits for bytes again (its PUT URL works until it expires)."""
    db.execute(delete(TusUpload).where(TusUpload.id == row_id))
    service.release(db, track_id)


def due_for_cleanup(db: Session, limit: int = 100) -> list[TusUpload]:
    """Uploads past expiry, and unfinished uploads whose track was deleted."""
    orphan = select(Track.id).where(Track.id == TusUpload.track_id).exists()
    rows = db.scalars(select(TusUpload).where(or_(TusUpload.expires_at < utcnow(),
                                                  (TusUpload.state == TusState.RECEIVING) & ~orphan))
                      .limit(limit))
    out = list(rows)
    for row in out:
        db.expunge(row)
    return out


def unfinished_full(db: Session, limit: int = 100) -> list[uuid.UUID]:
    """Uploads with every byte acknowledged but no completion recorded (a crash in between)."""
    return list(db.scalars(select(TusUpload.id).where(TusUpload.state == TusState.RECEIVING,
                                                      TusUpload.offset == TusUpload.length).limit(limit)))
