"""Show, episode and subscriber management over HTTP (API key), all Tonearm extensions.

`PUT /v1/collection/{id}` and `PUT /v1/track/{id}` are served here, ahead of the catalog's own
routes (api/app.py drops the shadowed ones): they take every catalog field plus a `podcast` /
`episode` object."""

from __future__ import annotations

import uuid

import re

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from tonearm.auth.deps import ApiKeyDep
from tonearm.catalog import service as catalog
from tonearm.catalog import tracks
from tonearm.catalog.models import Collection
from tonearm.catalog.schemas import collection_out, track_out
from tonearm.errors import Invalid, NotFound, TooLarge
from tonearm.http.deps import DB, RuntimeDep
from tonearm.http.envelope import ok
from tonearm.podcasts import artwork, service
from tonearm.podcasts.content import MAX_TRANSCRIPT_BYTES
from tonearm.podcasts.feed import Links
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


@router.put("/v1/collection/{collection_id}", tags=["collections"])
def update_collection(collection_id: uuid.UUID, body: CollectionPodcastUpdate, db: DB, principal: ApiKeyDep,
                      rt: RuntimeDep):
    """Update a collection; the `podcast` object (Tonearm extension) makes it a show or edits the show."""
    col = catalog.get_collection(db, organization_id=principal.organization_id, collection_id=collection_id)
    changes = body.model_dump(exclude_unset=True, exclude={"podcast"})
    if changes.get("theme") is not None:
        changes["theme"] = [c.model_dump(exclude_none=True) for c in body.theme]
    catalog.update_collection(db, col=col, changes=changes)
    if body.podcast is not None:
        service.set_show(db, col=col, fields=body.podcast.model_dump(exclude_unset=True), public_url=rt.settings.public_url)
    db.commit()
    return ok(collection_id=col.id, collection=collection_out(col) | {"podcast": _show_out(rt, db, col)})


@router.get("/v1/collection/{collection_id}/podcast", tags=["podcasts"])
def get_show(collection_id: uuid.UUID, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    """The collection's show fields, its public feed URL and artwork warnings (Tonearm extension)."""
    col = catalog.get_collection(db, organization_id=principal.organization_id, collection_id=collection_id)
    out = _show_out(rt, db, col)
    if out is None:
        raise NotFound("This collection is not a podcast (PUT a podcast object first)")
    return ok(collection_id=col.id, podcast=out)


@router.put("/v1/track/{track_id}", tags=["tracks"])
def update_track(track_id: uuid.UUID, body: TrackEpisodeUpdate, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    """Update a track; the `episode` object (Tonearm extension) sets its podcast episode fields."""
    track = tracks.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    tracks.update_track(db, track=track, changes=body.model_dump(exclude_unset=True, exclude={"episode"}))
    if body.episode is not None:
        service.set_episode(db, track=track, fields=body.episode.model_dump(exclude_unset=True))
    db.commit()
    if body.episode is not None:
        rt.enqueue("podcasts.digest", track.id)  # podcast:integrity of its files
    return ok(track_id=track.id, track=track_out(track, rt.settings.public_url) | {"episode": _episode_out(db, track)})


@router.get("/v1/track/{track_id}/episode", tags=["podcasts"])
def get_episode(track_id: uuid.UUID, db: DB, principal: ApiKeyDep):
    track = tracks.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    out = _episode_out(db, track)
    if out is None:
        raise NotFound("No episode fields set for this track")
    return ok(track_id=track.id, episode=out | {"chapters": service.get_episode(db, track.id).chapters})


@router.put("/v1/track/{track_id}/chapters", tags=["podcasts"])
def put_chapters(track_id: uuid.UUID, body: ChaptersIn, db: DB, principal: ApiKeyDep):
    """Upload or replace the episode's JSON chapters (validated: version, chapters within the episode)."""
    track = tracks.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    service.set_episode(db, track=track, fields={"chapters": body.model_dump()})
    db.commit()
    return ok(track_id=track.id, episode=_episode_out(db, track))


@router.put("/v1/track/{track_id}/transcript/{language}", tags=["podcasts"],
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


@router.delete("/v1/track/{track_id}/transcript/{language}", tags=["podcasts"])
def delete_transcript(track_id: uuid.UUID, language: str, db: DB, principal: ApiKeyDep):
    track = tracks.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    service.delete_transcript(db, track=track, language=language)
    db.commit()
    return ok(track_id=track.id, episode=_episode_out(db, track))
