"""Playlists: ordered lists of an organization's tracks (any collection)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tonearm.catalog.models import Playlist, PlaylistTrack, Track
from tonearm.catalog.service import get_creator
from tonearm.db.paging import paged
from tonearm.errors import Invalid, NotFound

MAX_TRACKS = 10_000


def get_playlist(db: Session, *, organization_id: uuid.UUID, playlist_id: uuid.UUID) -> Playlist:
    pl = db.get(Playlist, playlist_id)
    if pl is None or pl.organization_id != organization_id:
        raise NotFound("Playlist not found")
    return pl


def list_playlists(db: Session, *, organization_id: uuid.UUID, limit: int, offset: int) -> tuple[int, list[Playlist]]:
    return paged(db, Playlist, Playlist.organization_id == organization_id,
                 order_by=(Playlist.created_at, Playlist.id), limit=limit, offset=offset)


def track_ids(db: Session, playlist_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        db.scalars(select(PlaylistTrack.track_id).where(PlaylistTrack.playlist_id == playlist_id).order_by(PlaylistTrack.position))
    )


def track_ids_by_playlist(db: Session, playlist_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Each playlist's ordered track ids, in one query (playlists without tracks map to [])."""
    out: dict[uuid.UUID, list[uuid.UUID]] = {pid: [] for pid in playlist_ids}
    if not playlist_ids:
        return out
    rows = db.execute(
        select(PlaylistTrack.playlist_id, PlaylistTrack.track_id)
        .where(PlaylistTrack.playlist_id.in_(playlist_ids))
        .order_by(PlaylistTrack.playlist_id, PlaylistTrack.position)
    )
    for playlist_id, track_id in rows:
        out[playlist_id].append(track_id)
    return out


def _check_tracks(db: Session, organization_id: uuid.UUID, ids: list[uuid.UUID]) -> None:
    unique = set(ids)
    found = set(db.scalars(select(Track.id).where(Track.id.in_(unique), Track.organization_id == organization_id)))
    missing = unique - found
    if missing:
        raise NotFound(f"Track not found: {sorted(map(str, missing))[0]}")


def set_tracks(db: Session, *, playlist: Playlist, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    if len(ids) > MAX_TRACKS:
        raise Invalid(f"A playlist holds at most {MAX_TRACKS} tracks")
    _check_tracks(db, playlist.organization_id, ids)
    db.execute(delete(PlaylistTrack).where(PlaylistTrack.playlist_id == playlist.id))
    db.flush()
    for position, track_id in enumerate(ids):
        db.add(PlaylistTrack(playlist_id=playlist.id, position=position, track_id=track_id))
    db.flush()
    return list(ids)


def create_playlist(db: Session, *, organization_id: uuid.UUID, fields: dict[str, Any]) -> tuple[Playlist, list]:
    ids = fields.pop("track_ids", None) or []
    if fields.get("creator_id") is not None:
        get_creator(db, organization_id=organization_id, creator_id=fields["creator_id"])
    metadata = fields.pop("metadata", None)
    pl = Playlist(id=uuid.uuid4(), organization_id=organization_id, metadata_=metadata, **fields)
    db.add(pl)
    db.flush()
    return pl, set_tracks(db, playlist=pl, ids=ids)


def update_playlist(db: Session, *, playlist: Playlist, changes: dict[str, Any]) -> list:
    ids = changes.pop("track_ids", None)
    if changes.get("creator_id") is not None:
        get_creator(db, organization_id=playlist.organization_id, creator_id=changes["creator_id"])
    if "metadata" in changes:
        playlist.metadata_ = changes.pop("metadata")
    for field, value in changes.items():
        setattr(playlist, field, value)
    db.flush()
    if ids is not None:
        return set_tracks(db, playlist=playlist, ids=ids)
    return track_ids(db, playlist.id)


def add_tracks(db: Session, *, playlist: Playlist, ids: list[uuid.UUID], position: int | None) -> list:
    current = track_ids(db, playlist.id)
    at = len(current) if position is None else min(position, len(current))
    return set_tracks(db, playlist=playlist, ids=current[:at] + list(ids) + current[at:])


def remove_tracks(db: Session, *, playlist: Playlist, ids: list[uuid.UUID]) -> list:
    drop = set(ids)
    return set_tracks(db, playlist=playlist, ids=[t for t in track_ids(db, playlist.id) if t not in drop])


def delete_playlist(db: Session, *, playlist: Playlist) -> None:
    db.delete(playlist)
    db.flush()
