"""Play sessions (seed): create by scope, read by id, a track's payload, and downloads.

GET /v1/play/{sid}/{tid} is the hot path: it runs on the event loop and reads session and track
facts from per-process caches (see playback/cache.py), touching the database only on a miss."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from tonearm.auth.deps import AnyKey
from tonearm.db.base import utcnow
from tonearm.errors import Forbidden, Gone, NotFound
from tonearm.http.deps import DB, RuntimeDep
from tonearm.http.envelope import ok
from tonearm.playback import service
from tonearm.playback.cache import TRACK_TTL, TTLCache
from tonearm.playback.models import PlaySession
from tonearm.playback.payload import (
    SessionFacts,
    facts_for,
    full_payload,
    session_facts,
    signed_payload,
    url_expiry,
)
from tonearm.playback.schemas import (
    DownloadResponse,
    PlaySessionCreate,
    PlaySessionResponse,
    PlayTrackResponse,
)
from tonearm.wire import iso

router = APIRouter(tags=["play sessions"])
# Checked by the service (400 naming the scopes); the document lists them, `playlist` included.
Scope = Annotated[str, PathParam(description="collection, track or playlist",
                                 json_schema_extra={"enum": ["collection", "track", "playlist"]})]


def _caches(request: Request) -> tuple[TTLCache, TTLCache, dict]:
    state = request.app.state
    if not hasattr(state, "play_caches"):
        state.play_caches = (TTLCache(5_000), TTLCache(20_000), {})
    return state.play_caches


@router.post("/v1/play_session/{scope}", operation_id="createPlaySession", response_model=PlaySessionResponse)
def create_play_session(scope: Scope, body: PlaySessionCreate, db: DB, principal: AnyKey, rt: RuntimeDep):
    session, rows = service.create_session(db, settings=rt.settings, principal=principal, scope=scope, body=body)
    db.commit()
    return ok(**full_payload(db, rt, session, rows))


@router.get("/v1/play_session/{play_session_id}", operation_id="getPlaySession", response_model=PlaySessionResponse)
def get_play_session(play_session_id: uuid.UUID, db: DB, rt: RuntimeDep, request: Request):
    request.app.state.limiter.session("play", play_session_id)
    session = service.get_live_session(db, play_session_id)
    return ok(**full_payload(db, rt, session, service.session_tracks(db, session)))


def _load(request: Request, session_id: uuid.UUID, track_id: uuid.UUID) -> tuple[SessionFacts, object]:
    with request.app.state.runtime.sessionmaker() as db:
        session = db.get(PlaySession, session_id)
        if session is None:
            raise NotFound("Play session not found")
        facts = session_facts(session, db)
        return facts, facts_for(db, facts, track_id)


async def cached_facts(request: Request, session_id: uuid.UUID, track_id: uuid.UUID):
    """(session facts, track facts) from the per-process caches, loading them once on a miss
    (single flight: concurrent misses for the same track wait for one database load). Used by
    the play hot path and by the player events route."""
    sessions, tracks, inflight = _caches(request)
    session: SessionFacts | None = sessions.get(session_id)
    key = (session_id, track_id)
    facts = tracks.get(key)
    if session is None or facts is None:
        pending = inflight.get(key)
        if pending is None:
            pending = inflight[key] = asyncio.ensure_future(run_in_threadpool(_load, request, session_id, track_id))
            pending.add_done_callback(lambda _f, k=key: inflight.pop(k, None))
        session, facts = await asyncio.shield(pending)
        ttl = (session.expires_at - utcnow()).total_seconds()
        if ttl > 0:
            sessions.put(session_id, session, ttl)
            tracks.put(key, facts, min(TRACK_TTL, ttl))
    return session, facts


@router.get("/v1/play/{play_session_id}/{play_track_id}",
            operation_id="getPlayTrack", response_model=PlayTrackResponse)
async def get_play_track(play_session_id: uuid.UUID, play_track_id: uuid.UUID, request: Request):
    rt = request.app.state.runtime
    request.app.state.limiter.session("play", play_session_id)
    session, facts = await cached_facts(request, play_session_id, play_track_id)
    if session.expires_at <= utcnow():
        raise Gone("This play session has expired; create a new one")
    payload = signed_payload(rt, session, facts)
    return ok(play_session_id=session.id, track_id=facts.id, play_session=session.out, **payload)


@router.get("/v1/play/{play_session_id}/{play_track_id}/{variant_index}/download",
            operation_id="downloadPlayTrackVariant", response_model=DownloadResponse)
def download_play_track_variant(
    play_session_id: uuid.UUID,
    play_track_id: uuid.UUID,
    variant_index: str,
    db: DB,
    rt: RuntimeDep,
    request: Request,
    redirect: str | None = Query(default=None),
):
    request.app.state.limiter.session("play", play_session_id)
    session = session_facts(service.get_live_session(db, play_session_id))
    facts = facts_for(db, session, play_track_id)
    if not session.is_downloadable:
        raise Forbidden("This play session does not allow downloads")
    if variant_index not in session.variants:
        raise NotFound(f"Variant {variant_index!r} is not part of this play session")
    f = facts.files.get(variant_index)
    if f is None:
        raise NotFound(f"Variant {variant_index!r} has no file for this track yet")
    stem = facts.file_name.rsplit(".", 1)[0] if "." in facts.file_name else facts.file_name
    filename = f"{stem}.{f['path'].rsplit('.', 1)[-1]}"
    url = rt.signer.url_until(f["path"], url_expiry(rt.settings, session.expires_at), download=1, filename=filename)
    if redirect not in (None, "", "0", "false"):
        return RedirectResponse(url, status_code=302)
    return ok(
        play_session_id=session.id,
        track_id=facts.id,
        download={"variant": variant_index, "url": url, "expires_at": iso(session.expires_at)},
    )
