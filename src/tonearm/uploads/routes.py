"""Upload sessions (seed): POST /v1/upload_session, GET /v1/upload_session/{id}, POST /v1/upload/{id}/track,
and the two status reads an uploader polls: GET /v1/upload/{id}/track/{track_id} (Tonearm addition)
and GET /v1/track/{id}. They live here because in S3 mode reading a waiting track is also how its
upload's arrival is noticed (uploads/completion.py)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from tonearm.auth.deps import AnyKey, ApiKeyDep
from tonearm.catalog import tracks as tracks_service
from tonearm.catalog.colors import light_dark
from tonearm.catalog.models import Track
from tonearm.catalog.responses import TrackResponse
from tonearm.catalog.schemas import track_out
from tonearm.catalog.states import UploadState
from tonearm.delivery.handles import track_cover_handle, track_resumable_handle, track_upload_handle
from tonearm.errors import NotFound
from tonearm.http.deps import DB, RuntimeDep
from tonearm.http.envelope import ok
from tonearm.storage import can_presign
from tonearm.uploads import completion, service
from tonearm.uploads.schemas import (
    SessionTrackCreate,
    SessionTrackCreated,
    UploadSessionCreate,
    UploadSessionCreated,
    UploadSessionResponse,
    UploadTrackStatus,
    upload_session_out,
)

router = APIRouter(tags=["upload sessions"])


def _session_payload(db, session) -> dict:
    color = service.session_colors(db, session)
    light, dark = light_dark(color)
    return {
        "upload_session_id": session.id,
        "upload_session": upload_session_out(session),
        "player_color": color,
        "player_color_light": light,
        "player_color_dark": dark,
        "expires_at": upload_session_out(session)["expires_at"],
    }


def _track_payload(rt, session, track) -> dict:
    upload = track_upload_handle(rt, track, session.expires_at)
    return {
        "track_id": track.id,
        "track": track_out(track, rt.settings.public_url) | {"upload_url": upload["upload_url"]},
        "track_upload": upload,
        "track_upload_resumable": track_resumable_handle(rt, track, session.expires_at),  # Tonearm extension: tus
        "track_cover_upload": track_cover_handle(rt, track, session.expires_at),
    }


@router.post("/v1/upload_session", operation_id="createUploadSession", response_model=UploadSessionCreated)
def create_upload_session(body: UploadSessionCreate, db: DB, principal: AnyKey, rt: RuntimeDep):
    session, _col = service.create_session(
        db,
        settings=rt.settings,
        principal=principal,
        collection_id=body.collection_id,
        creator_id=body.creator_id,
        organization_index=body.organization_index,
        metadata=body.metadata,
        expires_in=body.expires_in,
    )
    track = None
    if body.track is not None:
        track = service.add_track(db, session=session, fields=body.track.model_dump(exclude_unset=True))
    db.commit()
    payload = _session_payload(db, session)
    if track is not None:
        payload |= _track_payload(rt, session, track)
    return ok(**payload)


@router.get("/v1/upload_session/{upload_session_id}",
            operation_id="getUploadSession", response_model=UploadSessionResponse)
def get_upload_session(upload_session_id: uuid.UUID, db: DB, rt: RuntimeDep):
    session = service.get_live_session(db, upload_session_id)
    if can_presign(rt.storage):  # S3 mode: notice uploads that landed (see completion.py)
        db.rollback()  # end this read before the completion writes
        completion.check_quietly(rt, completion.waiting_in_session(rt, session.id))
        session = service.get_live_session(db, upload_session_id)
    return ok(**_session_payload(db, session))


@router.post("/v1/upload/{upload_session_id}/track",
             operation_id="createUploadSessionTrack", response_model=SessionTrackCreated)
def create_upload_session_track(upload_session_id: uuid.UUID, body: SessionTrackCreate, db: DB, rt: RuntimeDep):
    session = service.get_live_session(db, upload_session_id)
    track = service.add_track(db, session=session, fields=body.model_dump(exclude_unset=True))
    db.commit()
    return ok(
        upload_session_id=session.id,
        upload_session=upload_session_out(session),
        **_track_payload(rt, session, track),
    )


@router.get("/v1/upload/{upload_session_id}/track/{track_id}", include_in_schema=True,
            operation_id="getUploadSessionTrack", response_model=UploadTrackStatus)
def upload_track_status(upload_session_id: uuid.UUID, track_id: uuid.UUID, db: DB, rt: RuntimeDep):
    """Tonearm addition: a track's processing status, authorised by the upload session it came in."""
    session = service.get_live_session(db, upload_session_id)
    track = db.get(Track, track_id)
    if track is None or track.upload_session_id != session.id:
        raise NotFound("Track not found in this upload session")
    if track.upload_state == UploadState.PENDING:  # S3 mode: notice an upload that went straight to the bucket
        db.rollback()
        completion.check_quietly(rt, [track_id])
        track = db.get(Track, track_id)
    return ok(track_id=track.id, track_status_id=track.track_status_id, status_text=track.status_text,
              player_title=track.player_title, duration=track.duration, file_name=track.file_name)


@router.get("/v1/track/{track_id}", tags=["tracks"], operation_id="getTrack", response_model=TrackResponse)
def get_track(track_id: uuid.UUID, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    track = tracks_service.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    if track.upload_state == UploadState.PENDING and can_presign(rt.storage):
        db.rollback()  # S3 mode: a HEAD check notices an upload that landed (uploads/completion.py)
        completion.check_quietly(rt, [track_id])
        track = tracks_service.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    return ok(track_id=track.id, track=track_out(track, rt.settings.public_url))
