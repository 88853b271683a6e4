"""`POST /v1/play/{play_session_id}/{track_id}/event`: a player's listening events (docs/analytics.md).

No API key: the play session is the bearer (the track must belong to it, and the session must be
live or within the delivery grace, like its signed URLs). One event or `{"events": [...]}` (at
most MAX_EVENTS) per request, any content type (`navigator.sendBeacon` sends text/plain). The
events go to the analytics buffer; the answer is 202 before they are written."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tonearm.analytics import PlayerFacts, record_player_events
from tonearm.db.base import utcnow
from tonearm.errors import Gone, Invalid
from tonearm.http.envelope import ok
from tonearm.http.jsonbody import read_json
from tonearm.playback.routes import cached_facts
from tonearm.playback.schemas import PlayerEventsAccepted

router = APIRouter(tags=["play sessions"])

MAX_EVENTS = 50
MAX_BODY = 64 * 1024


class PlayerEventIn(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)  # no coercion: `true` is not an error code

    type: Literal["play", "progress", "complete", "error"]
    startup_ms: Annotated[int, Field(ge=0, le=600_000)] | None = None  # play: press → first audio frame
    listened_seconds: Annotated[float, Field(ge=0, le=3600)] = 0.0  # progress: seconds heard since the last report
    error_code: Annotated[int, Field(ge=0, le=1000)] | None = None  # error: MediaError.code


class PlayerEventsIn(BaseModel):
    events: Annotated[list[PlayerEventIn], Field(min_length=1, max_length=MAX_EVENTS)]


def _parse(body) -> list[PlayerEventIn]:
    try:
        if isinstance(body, dict) and "events" in body:
            return PlayerEventsIn.model_validate(body).events
        return [PlayerEventIn.model_validate(body)]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise Invalid(f"{where}: {first['msg']}") from None


async def _session(request: Request, sid: uuid.UUID, tid: uuid.UUID):
    session, facts = await cached_facts(request, sid, tid)
    grace = dt.timedelta(seconds=request.app.state.runtime.settings.delivery_grace_seconds)
    if session.expires_at + grace <= utcnow():
        raise Gone("This play session has expired")
    return session, facts


@router.post("/v1/play/{play_session_id}/{play_track_id}/event", status_code=202,
             operation_id="createPlayerEvents", response_model=PlayerEventsAccepted)
async def player_event(play_session_id: uuid.UUID, play_track_id: uuid.UUID, request: Request):
    """Listening events from a player: `play` (with `startup_ms`), `progress` (`listened_seconds`
    since the last report), `complete`, `error` (`error_code`). One event or `{"events": [...]}`."""
    request.app.state.limiter.session("event", play_session_id)
    events = _parse(await read_json(request, MAX_BODY))
    session, facts = await _session(request, play_session_id, play_track_id)
    headers = request.headers
    common = {"track_id": facts.id, "play_session_id": session.id, "user_agent": headers.get("user-agent", ""),
              "client": request.client.host if request.client else None,
              "forwarded_for": headers.get("x-forwarded-for"), "at": request.app.state.runtime.clock()}
    accepted = record_player_events(request, [
        PlayerFacts(kind=e.type, startup_ms=e.startup_ms if e.type == "play" else None,
                    listened_seconds=e.listened_seconds if e.type == "progress" else 0.0,
                    error_code=e.error_code if e.type == "error" else None, **common) for e in events])
    return ok(202, accepted=accepted)
