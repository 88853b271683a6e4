"""Play sessions (seed): create by scope, read by id, a track's payload, and downloads."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from starlette.responses import RedirectResponse

from tonearm.api.deps import DB, AnyKey, SettingsDep
from tonearm.api.envelope import iso, ok
from tonearm.catalog.models import TrackFile
from tonearm.errors import Forbidden, NotFound
from tonearm.playback import service
from tonearm.playback.payload import session_out, signed, track_list_out, track_payload, url_expiry
from tonearm.playback.schemas import PlaySessionCreate
from sqlalchemy import select

router = APIRouter(tags=["play sessions"])


def _full(db, settings, session, rows) -> dict:
    tracks = track_list_out(rows)
    first = None
    if rows:
        track = service.session_track(db, session, rows[0].id)
        first = {"track_id": track.id} | track_payload(
            db, settings, session, track, player_color=service.inherited_color(db, track), order=0
        )
    return {
        "play_session_id": session.id,
        "play_session": session_out(session),
        "tracks": tracks,
        "first_track": first,
        "expires_at": iso(session.expires_at),
    }


@router.post("/v1/play_session/{scope}")
def create_play_session(scope: str, body: PlaySessionCreate, db: DB, principal: AnyKey, settings: SettingsDep):
    session = service.create_session(db, settings=settings, principal=principal, scope=scope, body=body)
    rows = service.session_tracks(db, session)
    db.commit()
    return ok(**_full(db, settings, session, rows))


@router.get("/v1/play_session/{play_session_id}")
def get_play_session(play_session_id: uuid.UUID, db: DB, settings: SettingsDep):
    session = service.get_live_session(db, play_session_id)
    return ok(**_full(db, settings, session, service.session_tracks(db, session)))


@router.get("/v1/play/{play_session_id}/{play_track_id}")
def get_play_track(play_session_id: uuid.UUID, play_track_id: uuid.UUID, db: DB, settings: SettingsDep):
    session = service.get_live_session(db, play_session_id)
    track = service.session_track(db, session, play_track_id)
    payload = track_payload(db, settings, session, track, player_color=service.inherited_color(db, track))
    return ok(play_session_id=session.id, track_id=track.id, play_session=session_out(session), **payload)


def _download_name(track, f: TrackFile) -> str:
    stem = track.file_name.rsplit(".", 1)[0] if "." in track.file_name else track.file_name
    ext = f.path.rsplit(".", 1)[-1]
    return f"{stem}.{ext}"


@router.get("/v1/play/{play_session_id}/{play_track_id}/{variant_index}/download")
def download_play_track_variant(
    play_session_id: uuid.UUID,
    play_track_id: uuid.UUID,
    variant_index: str,
    db: DB,
    settings: SettingsDep,
    redirect: str | None = Query(default=None),
):
    session = service.get_live_session(db, play_session_id)
    track = service.session_track(db, session, play_track_id)
    if not session.is_downloadable:
        raise Forbidden("This play session does not allow downloads")
    if variant_index not in session.variants:
        raise NotFound(f"Variant {variant_index!r} is not part of this play session")
    f = db.scalar(
        select(TrackFile).where(
            TrackFile.track_id == track.id, TrackFile.variant_index == variant_index, TrackFile.is_success.is_(True)
        )
    )
    if f is None:
        raise NotFound(f"Variant {variant_index!r} has no file for this track yet")
    expires = url_expiry(settings, session)
    url = signed(settings, f.path, expires, download=1, filename=_download_name(track, f))
    if redirect not in (None, "", "0", "false"):
        return RedirectResponse(url, status_code=302)
    return ok(
        play_session_id=session.id,
        track_id=track.id,
        download={"variant": variant_index, "url": url, "expires_at": iso(session.expires_at)},
    )
