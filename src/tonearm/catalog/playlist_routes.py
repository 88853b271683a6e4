"""Playlists over HTTP, in the style of the other AudioDN resources.

POST/GET/PUT/DELETE /v1/playlist[/{id}]; GET /v1/playlist/{id}/track (paged, ordered);
POST /v1/playlist/{id}/track (add, optional position); DELETE /v1/playlist/{id}/track/{track_id};
PUT /v1/playlist/{id} with track_ids replaces (reorders) the whole list.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlalchemy import select

from tonearm.auth.deps import ApiKeyDep
from tonearm.catalog import playlists as service
from tonearm.catalog.models import Track
from tonearm.catalog.responses import PlaylistDeleted, PlaylistList, PlaylistResponse, PlaylistTrackList
from tonearm.catalog.schemas import (
    PlaylistCreate,
    PlaylistTracksAdd,
    PlaylistUpdate,
    playlist_out,
    track_out,
)
from tonearm.http.deps import DB, SettingsDep
from tonearm.http.envelope import ok
from tonearm.http.params import PageDep

router = APIRouter(tags=["playlists"])


@router.get("/v1/playlist", operation_id="listPlaylists", response_model=PlaylistList)
def list_playlists(db: DB, principal: ApiKeyDep, page: PageDep):
    count, rows = service.list_playlists(db, organization_id=principal.organization_id, limit=page.limit, offset=page.offset)
    track_ids = service.track_ids_by_playlist(db, [p.id for p in rows])  # one query for the page
    return ok(
        count=count,
        limit=page.limit,
        offset=page.offset,
        playlists=[playlist_out(p, track_ids[p.id]) for p in rows],
    )


@router.post("/v1/playlist", operation_id="createPlaylist", response_model=PlaylistResponse)
def create_playlist(body: PlaylistCreate, db: DB, principal: ApiKeyDep):
    pl, ids = service.create_playlist(db, organization_id=principal.organization_id, fields=body.model_dump(exclude_unset=True))
    db.commit()
    return ok(playlist_id=pl.id, playlist=playlist_out(pl, ids))


@router.get("/v1/playlist/{playlist_id}", operation_id="getPlaylist", response_model=PlaylistResponse)
def get_playlist(playlist_id: uuid.UUID, db: DB, principal: ApiKeyDep):
    pl = service.get_playlist(db, organization_id=principal.organization_id, playlist_id=playlist_id)
    return ok(playlist_id=pl.id, playlist=playlist_out(pl, service.track_ids(db, pl.id)))


@router.put("/v1/playlist/{playlist_id}", operation_id="updatePlaylist", response_model=PlaylistResponse)
def update_playlist(playlist_id: uuid.UUID, body: PlaylistUpdate, db: DB, principal: ApiKeyDep):
    pl = service.get_playlist(db, organization_id=principal.organization_id, playlist_id=playlist_id)
    ids = service.update_playlist(db, playlist=pl, changes=body.model_dump(exclude_unset=True))
    db.commit()
    return ok(playlist_id=pl.id, playlist=playlist_out(pl, ids))


@router.delete("/v1/playlist/{playlist_id}", operation_id="deletePlaylist", response_model=PlaylistDeleted)
def delete_playlist(playlist_id: uuid.UUID, db: DB, principal: ApiKeyDep):
    pl = service.get_playlist(db, organization_id=principal.organization_id, playlist_id=playlist_id)
    out = playlist_out(pl, service.track_ids(db, pl.id))
    service.delete_playlist(db, playlist=pl)
    db.commit()
    return ok(playlist_id=playlist_id, deleted_playlist=out)


@router.get("/v1/playlist/{playlist_id}/track", operation_id="listPlaylistTracks", response_model=PlaylistTrackList)
def list_playlist_tracks(playlist_id: uuid.UUID, db: DB, principal: ApiKeyDep, page: PageDep, settings: SettingsDep):
    pl = service.get_playlist(db, organization_id=principal.organization_id, playlist_id=playlist_id)
    ids = service.track_ids(db, pl.id)
    window = ids[page.offset : page.offset + page.limit]
    rows = {t.id: t for t in db.scalars(select(Track).where(Track.id.in_(window)))}
    tracks = [track_out(rows[i], settings.public_url) | {"position": page.offset + n} for n, i in enumerate(window) if i in rows]
    return ok(playlist_id=pl.id, count=len(ids), limit=page.limit, offset=page.offset, tracks=tracks)


@router.post("/v1/playlist/{playlist_id}/track", operation_id="addPlaylistTracks", response_model=PlaylistResponse)
def add_playlist_tracks(playlist_id: uuid.UUID, body: PlaylistTracksAdd, db: DB, principal: ApiKeyDep):
    pl = service.get_playlist(db, organization_id=principal.organization_id, playlist_id=playlist_id)
    ids = service.add_tracks(db, playlist=pl, ids=body.track_ids, position=body.position)
    db.commit()
    return ok(playlist_id=pl.id, playlist=playlist_out(pl, ids))


@router.delete("/v1/playlist/{playlist_id}/track/{track_id}",
               operation_id="removePlaylistTrack", response_model=PlaylistResponse)
def remove_playlist_track(playlist_id: uuid.UUID, track_id: uuid.UUID, db: DB, principal: ApiKeyDep):
    pl = service.get_playlist(db, organization_id=principal.organization_id, playlist_id=playlist_id)
    ids = service.remove_tracks(db, playlist=pl, ids=[track_id])
    db.commit()
    return ok(playlist_id=pl.id, playlist=playlist_out(pl, ids))
