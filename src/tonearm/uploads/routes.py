"""Upload sessions (seed): POST /v1/upload_session, GET /v1/upload_session/{id}, POST /v1/upload/{id}/track."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from tonearm.api.deps import DB, AnyKey, SettingsDep, StorageDep
from tonearm.api.envelope import ok
from tonearm.catalog.colors import light_dark
from tonearm.catalog.schemas import track_out
from tonearm.storage import can_presign
from tonearm.uploads import completion, service
from tonearm.uploads.handles import track_cover_handle, track_upload_handle
from tonearm.uploads.schemas import SessionTrackCreate, UploadSessionCreate, upload_session_out

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


def _track_payload(settings, session, track, storage) -> dict:
    upload = track_upload_handle(settings, track, session.expires_at, storage)
    return {
        "track_id": track.id,
        "track": track_out(track, settings.public_url) | {"upload_url": upload["upload_url"]},
        "track_upload": upload,
        "track_cover_upload": track_cover_handle(settings, track, session.expires_at, storage),
    }


@router.post("/v1/upload_session")
def create_upload_session(body: UploadSessionCreate, db: DB, principal: AnyKey, settings: SettingsDep,
                          storage: StorageDep):
    session, _col = service.create_session(
        db,
        settings=settings,
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
        payload |= _track_payload(settings, session, track, storage)
    return ok(**payload)


@router.get("/v1/upload_session/{upload_session_id}")
def get_upload_session(upload_session_id: uuid.UUID, db: DB, request: Request):
    session = service.get_live_session(db, upload_session_id)
    if can_presign(request.app.state.storage):  # S3 mode: notice uploads that landed (see completion.py)
        deps = completion.Deps.of(request.app.state)
        db.rollback()  # end this read before the completion writes
        completion.check_quietly(deps, completion.waiting_in_session(deps, session.id))
        session = service.get_live_session(db, upload_session_id)
    return ok(**_session_payload(db, session))


@router.post("/v1/upload/{upload_session_id}/track")
def create_upload_session_track(upload_session_id: uuid.UUID, body: SessionTrackCreate, db: DB, settings: SettingsDep,
                                storage: StorageDep):
    session = service.get_live_session(db, upload_session_id)
    track = service.add_track(db, session=session, fields=body.model_dump(exclude_unset=True))
    db.commit()
    return ok(
        upload_session_id=session.id,
        upload_session=upload_session_out(session),
        **_track_payload(settings, session, track, storage),
    )
