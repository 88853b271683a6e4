"""Upload sessions (create within the caller key's scope, look up: 404/410, add tracks) and the
upload state machine of their tracks."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from tonearm.auth.models import KeyType
from tonearm.auth.service import Principal
from tonearm.catalog import tracks as tracks_service
from tonearm.catalog.expiry import session_ttl
from tonearm.catalog.models import Collection, Organization, Track
from tonearm.catalog.service import get_collection, get_creator
from tonearm.catalog.states import TrackStatus, UploadState
from tonearm.db.base import utcnow
from tonearm.errors import Forbidden, Gone, Invalid, NotFound
from tonearm.settings import Settings
from tonearm.uploads.models import UploadSession
from tonearm.webhooks.service import record_track_events


def create_session(
    db: Session,
    *,
    settings: Settings,
    principal: Principal,
    collection_id: uuid.UUID | None,
    creator_id: uuid.UUID | None,
    organization_index: str | None,
    metadata: dict | None,
    expires_in,
) -> tuple[UploadSession, Collection]:
    principal.require(KeyType.API, KeyType.UPLOADER)
    ttl = session_ttl(settings, expires_in)
    if principal.key_type == KeyType.UPLOADER:
        if principal.collection_id is not None:
            if collection_id is not None and collection_id != principal.collection_id:
                raise Forbidden("This uploader key is scoped to another collection")
            collection_id = principal.collection_id
        if principal.creator_id is not None:
            if creator_id is not None and creator_id != principal.creator_id:
                raise Forbidden("This uploader key is scoped to another creator")
            creator_id = principal.creator_id
    if collection_id is None:
        raise Invalid("collection_id is required unless the API key is scoped to a collection")
    col = get_collection(db, organization_id=principal.organization_id, collection_id=collection_id)
    if principal.key_type == KeyType.UPLOADER and principal.creator_id is not None and col.creator_id not in (None, principal.creator_id):
        raise Forbidden("This uploader key is scoped to another creator")
    if creator_id is not None:
        get_creator(db, organization_id=principal.organization_id, creator_id=creator_id)
    session = UploadSession(
        id=uuid.uuid4(),
        organization_id=principal.organization_id,
        collection_id=col.id,
        creator_id=creator_id or col.creator_id,
        api_key_id=principal.key_id,
        organization_index=organization_index,
        metadata_=metadata,
        expires_at=utcnow() + dt.timedelta(seconds=ttl),
    )
    db.add(session)
    db.flush()
    return session, col


def get_live_session(db: Session, session_id: uuid.UUID) -> UploadSession:
    session = db.get(UploadSession, session_id)
    if session is None:
        raise NotFound("Upload session not found")
    if session.expires_at <= utcnow():
        raise Gone("This upload session has expired; create a new one")
    return session


def session_colors(db: Session, session: UploadSession) -> str | None:
    col = db.get(Collection, session.collection_id)
    if col is not None and col.player_color:
        return col.player_color
    org = db.get(Organization, session.organization_id)
    return org.player_color if org else None


def add_track(db: Session, *, session: UploadSession, fields: dict) -> Track:
    fields = dict(fields)
    file_name = fields.pop("file_name")
    if session.creator_id is not None:
        fields.setdefault("creator_id", session.creator_id)
    return tracks_service.create_track(
        db,
        organization_id=session.organization_id,
        collection_id=session.collection_id,
        file_name=file_name,
        fields=fields,
        upload_session_id=session.id,
    )


# ---- The upload state machine (catalog/states.py draws it). Every function only flushes: the
# route or job that calls it commits once. Guarded UPDATEs make each transition happen once even
# when several requests or workers race for it.


class Stored(enum.Enum):
    NOW = "now"  # this call moved the track to processing: enqueue processing.track after the commit
    EARLIER = "earlier"  # another path got there first
    GONE = "gone"  # the track was deleted meanwhile: the caller removes the object


def claim(db: Session, track_id: uuid.UUID) -> str:
    """pending → receiving: a second PUT to the same URL finds nothing to claim. Returns the track index."""
    track = db.get(Track, track_id)
    if track is None:
        raise NotFound("Track not found")
    result = db.execute(
        update(Track).where(Track.id == track_id, Track.upload_state == UploadState.PENDING)
        .values(upload_state=UploadState.RECEIVING, upload_progress_at=utcnow())
    )
    if result.rowcount != 1:
        raise Forbidden("This upload URL has already been used")
    return track.index


def touch(db: Session, track_id: uuid.UUID) -> bool:
    """Bytes are still arriving: keep the claim. False when it was released meanwhile (stalled)."""
    result = db.execute(
        update(Track).where(Track.id == track_id, Track.upload_state == UploadState.RECEIVING)
        .values(upload_progress_at=utcnow())
    )
    return result.rowcount == 1


def release_stalled(db: Session, *, stall_seconds: int) -> list[uuid.UUID]:
    """receiving → pending for claims with no bytes for `stall_seconds` (the request died with its
    process, say): the upload URL works again until it expires."""
    cutoff = utcnow() - dt.timedelta(seconds=stall_seconds)
    stalled = list(db.scalars(select(Track.id).where(
        Track.upload_state == UploadState.RECEIVING,
        or_(Track.upload_progress_at < cutoff, Track.upload_progress_at.is_(None) & (Track.updated_at < cutoff)),
    ).limit(500)))
    if stalled:
        db.execute(update(Track).where(Track.id.in_(stalled), Track.upload_state == UploadState.RECEIVING)
                   .values(upload_state=UploadState.PENDING, upload_progress_at=None))
    return stalled


def release(db: Session, track_id: uuid.UUID) -> None:
    """receiving → pending (the PUT failed or was cut off): the URL works again until it expires."""
    db.execute(
        update(Track).where(Track.id == track_id, Track.upload_state == UploadState.RECEIVING)
        .values(upload_state=UploadState.PENDING)
    )


def mark_stored(db: Session, track_id: uuid.UUID, *, key: str, size: int, sha256: str | None,
                expect: UploadState) -> Stored:
    """The original is in storage: upload_state `expect` → stored, the track → processing, atomically.

    Every completion path ends here (a PUT to Tonearm, an S3 completion call, a HEAD check), so a
    track moves to processing exactly once."""
    result = db.execute(
        update(Track)
        .where(Track.id == track_id, Track.upload_state == expect)
        .values(
            upload_state=UploadState.STORED, original_key=key, original_sha256=sha256, size=size,
            track_status_id=TrackStatus.PROCESSING, status_text="Queued for processing", files_completed_at=None,
            attempts=0, lease_expires_at=None, updated_at=utcnow(),
        )
    )
    if result.rowcount == 1:
        return Stored.NOW
    return Stored.EARLIER if db.get(Track, track_id) is not None else Stored.GONE


def reject(db: Session, track_id: uuid.UUID, *, size: int, reason: str) -> list[uuid.UUID] | None:
    """pending → rejected, the track → init_error with its webhooks, once. Returns the delivery ids
    to enqueue after the commit, or None when the upload was no longer pending."""
    result = db.execute(
        update(Track).where(Track.id == track_id, Track.upload_state == UploadState.PENDING).values(
            upload_state=UploadState.REJECTED, track_status_id=TrackStatus.INIT_ERROR, status_text=reason, size=size,
            updated_at=utcnow())  # init_error never stamps files_completed_at
    )
    if result.rowcount != 1:
        return None
    track = db.get(Track, track_id)
    return record_track_events(db, track=track, previous_status=TrackStatus.INITIALIZED, written=[])


def set_track_cover(db: Session, track_id: uuid.UUID, key: str) -> bool:
    """Point the track at its uploaded cover; True when its audio is already stored (the caller then
    enqueues processing.cover after the commit)."""
    track = db.get(Track, track_id)
    if track is None:
        raise NotFound("Track not found")
    track.cover_key = key
    db.flush()
    return track.upload_state == UploadState.STORED


def set_collection_cover(db: Session, collection_id: uuid.UUID, key: str) -> None:
    col = db.get(Collection, collection_id)
    if col is None:
        raise NotFound("Collection not found")
    col.cover_key = key
    db.flush()


def track_index(db: Session, track_id: uuid.UUID) -> str:
    track = db.get(Track, track_id)
    if track is None:
        raise NotFound("Track not found")
    return track.index


def require_collection(db: Session, collection_id: uuid.UUID) -> None:
    if db.get(Collection, collection_id) is None:
        raise NotFound("Collection not found")
