"""Show, episode and subscriber management over HTTP (API key), all Tonearm extensions.

`PUT /v1/collection/{id}` and `PUT /v1/track/{id}` are served here, ahead of the catalog's own
routes (api/app.py's order; api/openapi.py documents these): they take every catalog field plus a
`podcast` / `episode` object, write that, then run the catalog's handler for the rest."""

from __future__ import annotations

import inspect
import re
import uuid

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from tonearm.auth.deps import ApiKeyDep
from tonearm.catalog import routes as catalog_routes
from tonearm.catalog import service as catalog
from tonearm.catalog import track_routes, tracks
from tonearm.catalog.models import Collection
from tonearm.catalog.schemas import CollectionUpdate, TrackUpdate
from tonearm.errors import Invalid, NotFound, TooLarge
from tonearm.http.deps import DB, RuntimeDep
from tonearm.http.envelope import JSONResponse, ok
from tonearm.podcasts import artwork, service
from tonearm.podcasts.content import MAX_TRANSCRIPT_BYTES
from tonearm.podcasts.feed import Links
from tonearm.podcasts.responses import CollectionUpdated, EpisodeChanged, EpisodeResponse, ShowResponse, TrackUpdated
from tonearm.podcasts.schemas import (
    ChaptersIn,
    CollectionPodcastUpdate,
    TrackEpisodeUpdate,
    episode_out,
    show_out,
)

router = APIRouter()
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$")


def _show_out(rt, db, col: Collection) -> dict | None:
    show = service.get_show(db, col.id)
    if show is None:
        return None
    return show_out(show, feed_url=Links(rt.settings.public_url, str(col.id)).feed(),
                    warnings=artwork.warnings(rt.storage, col))


def _episode_out(db, track) -> dict | None:
    ep = service.get_episode(db, track.id)
    if ep is None:
        return None
    return episode_out(ep, [{"language": t.language, "format": t.format} for t in service.transcripts_of(db, track.id)])


def _delegate(endpoint, rt, **given):
    """Run the catalog's own handler for the same operation (whatever it does now or later: events,
    webhooks), giving it the arguments its signature names."""
    available = {"rt": rt, "settings": rt.settings, "storage": rt.storage, "queue": rt.queue, **given}
    wanted = inspect.signature(endpoint).parameters
    return endpoint(**{name: value for name, value in available.items() if name in wanted})


def _extended(response, key: str, name: str, value) -> JSONResponse:
    """The catalog's answer with the extension object added to its `key` object."""
    data = orjson.loads(response.body)
    data[key][name] = value
    return JSONResponse(data, status_code=response.status_code)


@router.put("/v1/collection/{collection_id}", tags=["collections"],
            operation_id="updateCollection", response_model=CollectionUpdated)
def update_collection(collection_id: uuid.UUID, body: CollectionPodcastUpdate, db: DB, principal: ApiKeyDep,
                      rt: RuntimeDep):
    """Update a collection; the `podcast` object (Tonearm extension) makes it a show or edits the show.
    The show is written first (flushed), then the catalog's handler updates and commits both."""
    col = catalog.get_collection(db, organization_id=principal.organization_id, collection_id=collection_id)
    if body.podcast is not None:
        service.set_show(db, col=col, fields=body.podcast.model_dump(exclude_unset=True), public_url=rt.settings.public_url)
    plain = CollectionUpdate.model_validate(body.model_dump(exclude_unset=True, exclude={"podcast"}))
    response = _delegate(catalog_routes.update_collection, rt, collection_id=collection_id, body=plain, db=db,
                         principal=principal)
    return _extended(response, "collection", "podcast", _show_out(rt, db, col))


@router.get("/v1/collection/{collection_id}/podcast", tags=["podcasts"],
            operation_id="getPodcast", response_model=ShowResponse)
def get_show(collection_id: uuid.UUID, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    """The collection's show fields, its public feed URL and artwork warnings (Tonearm extension)."""
    col = catalog.get_collection(db, organization_id=principal.organization_id, collection_id=collection_id)
    out = _show_out(rt, db, col)
    if out is None:
        raise NotFound("This collection is not a podcast (PUT a podcast object first)")
    return ok(collection_id=col.id, podcast=out)


@router.put("/v1/track/{track_id}", tags=["tracks"],
            operation_id="updateTrack", response_model=TrackUpdated)
def update_track(track_id: uuid.UUID, body: TrackEpisodeUpdate, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    """Update a track; the `episode` object (Tonearm extension) sets its podcast episode fields.
    The episode is written first (flushed), then the catalog's handler updates and commits both."""
    track = tracks.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    if body.episode is not None:
        service.set_episode(db, track=track, fields=body.episode.model_dump(exclude_unset=True))
    plain = TrackUpdate.model_validate(body.model_dump(exclude_unset=True, exclude={"episode"}))
    response = _delegate(track_routes.update_track, rt, track_id=track_id, body=plain, db=db, principal=principal)
    if service.follow_collection(db, track):  # the track moved to another collection
        db.commit()
    if body.episode is not None:
        rt.enqueue("podcasts.digest", track.id)  # podcast:integrity of its files
    return _extended(response, "track", "episode", _episode_out(db, track))


@router.get("/v1/track/{track_id}/episode", tags=["podcasts"],
            operation_id="getEpisode", response_model=EpisodeResponse)
def get_episode(track_id: uuid.UUID, db: DB, principal: ApiKeyDep):
    track = tracks.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    out = _episode_out(db, track)
    if out is None:
        raise NotFound("No episode fields set for this track")
    return ok(track_id=track.id, episode=out | {"chapters": service.get_episode(db, track.id).chapters})


@router.put("/v1/track/{track_id}/chapters", tags=["podcasts"],
            operation_id="putChapters", response_model=EpisodeChanged)
def put_chapters(track_id: uuid.UUID, body: ChaptersIn, db: DB, principal: ApiKeyDep):
    """Upload or replace the episode's JSON chapters (validated: version, chapters within the episode)."""
    track = tracks.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    service.set_episode(db, track=track, fields={"chapters": body.model_dump()})
    db.commit()
    return ok(track_id=track.id, episode=_episode_out(db, track))


@router.put("/v1/track/{track_id}/transcript/{language}", tags=["podcasts"],
            operation_id="putTranscript", response_model=EpisodeChanged,
            openapi_extra={"requestBody": {"content": {"text/vtt": {"schema": {"type": "string"}},
                                                       "application/x-subrip": {"schema": {"type": "string"}}}}})
async def put_transcript(track_id: uuid.UUID, language: str, request: Request, db: DB, principal: ApiKeyDep):
    """Upload or replace a WebVTT or SRT transcript in one language (BCP 47); the body is the file."""
    if not LANGUAGE.match(language):
        raise Invalid("language must be a BCP 47 tag such as en or pt-BR")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_TRANSCRIPT_BYTES:
            raise TooLarge(f"transcripts are limited to {MAX_TRANSCRIPT_BYTES} bytes")
    return await run_in_threadpool(_store_transcript, db, principal, track_id, language, bytes(body))


def _store_transcript(db, principal, track_id: uuid.UUID, language: str, body: bytes):
    track = tracks.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    service.put_transcript(db, track=track, language=language, body=body)
    db.commit()
    return ok(track_id=track.id, episode=_episode_out(db, track))


@router.delete("/v1/track/{track_id}/transcript/{language}", tags=["podcasts"],
               operation_id="deleteTranscript", response_model=EpisodeChanged)
def delete_transcript(track_id: uuid.UUID, language: str, db: DB, principal: ApiKeyDep):
    track = tracks.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    service.delete_transcript(db, track=track, language=language)
    db.commit()
    return ok(track_id=track.id, episode=_episode_out(db, track))
