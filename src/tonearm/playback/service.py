"""Play sessions: create within the key's scope, resolve their ordered tracks, check membership."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import String, exists, select, type_coerce
from sqlalchemy.orm import Session

from tonearm.auth.models import KeyType
from tonearm.auth.service import Principal
from tonearm.catalog.expiry import session_ttl
from tonearm.catalog.models import PlaylistTrack, Track, Variant
from tonearm.catalog.playlists import get_playlist
from tonearm.catalog.service import get_collection
from tonearm.catalog.states import PLAYABLE
from tonearm.catalog.tracks import get_track
from tonearm.db.base import utcnow
from tonearm.errors import Forbidden, Gone, Invalid, NotFound, Unprocessable
from tonearm.playback.models import PlaySession
from tonearm.settings import Settings

SCOPES = ("collection", "track", "playlist")
# The id is read raw (no per-row UUID objects): 10 000-track sessions stay fast.
TRACK_COLUMNS = (
    type_coerce(Track.id, String()).label("id"),
    Track.index,
    Track.duration,
    Track.order,
    Track.file_name,
    Track.player_title,
    Track.player_subtitle,
    Track.player_color,
    Track.track_status_id,
)


def _check_key_scope(db: Session, principal: Principal, scope: str, target_ids: dict) -> None:
    """A player key may only open sessions inside its collection / track / creator scope."""
    if principal.key_type != KeyType.PLAYER:
        return
    if principal.track_id is not None and (scope != "track" or target_ids.get("track_id") != principal.track_id):
        raise Forbidden("This player key is scoped to a single track")
    if scope == "playlist":
        if principal.collection_id is not None or principal.creator_id is not None:
            outside = db.scalar(
                select(exists().where(
                    PlaylistTrack.playlist_id == target_ids["playlist_id"],
                    PlaylistTrack.track_id == Track.id,
                    *([Track.collection_id != principal.collection_id] if principal.collection_id else []),
                    *([Track.creator_id.is_distinct_from(principal.creator_id)] if principal.creator_id else []),
                ))
            )
            if outside:
                raise Forbidden("This player key does not cover every track of the playlist")
        return
    collection_id = target_ids["collection_id"]
    creator_id = target_ids.get("creator_id")
    if principal.collection_id is not None and collection_id != principal.collection_id:
        raise Forbidden("This player key is scoped to another collection")
    if principal.creator_id is not None and creator_id != principal.creator_id:
        raise Forbidden("This player key is scoped to another creator")


def _check_known_variants(db: Session, org_id: uuid.UUID, wanted: list[str]) -> None:
    known = set(db.scalars(select(Variant.index).where(Variant.organization_id == org_id)))
    unknown = [v for v in dict.fromkeys(wanted) if v not in known]
    if unknown:
        raise Invalid(f"Unknown variant index {', '.join(repr(v) for v in unknown[:5])}; "
                      f"known: {', '.join(sorted(known)) or 'none'}")


def create_session(db: Session, *, settings: Settings, principal: Principal, scope: str, body) -> tuple[PlaySession, list]:
    principal.require(KeyType.API, KeyType.PLAYER)
    if scope not in SCOPES:
        raise Invalid(f"scope must be one of {', '.join(SCOPES)}")
    ttl = session_ttl(settings, body.expires_in)
    org_id = principal.organization_id
    target: dict = {}
    if scope == "collection":
        collection_id = body.collection_id or principal.collection_id  # a scoped key names its collection
        if collection_id is None:
            raise Invalid("collection_id is required when scope is 'collection'")
        col = get_collection(db, organization_id=org_id, collection_id=collection_id)
        target = {"collection_id": col.id, "creator_id": col.creator_id}
    elif scope == "track":
        if body.track_id is None:
            raise Invalid("track_id is required when scope is 'track'")
        track = get_track(db, organization_id=org_id, track_id=body.track_id)
        target = {"track_id": track.id, "collection_id": track.collection_id, "creator_id": track.creator_id}
    else:
        if body.playlist_id is None:
            raise Invalid("playlist_id is required when scope is 'playlist'")
        pl = get_playlist(db, organization_id=org_id, playlist_id=body.playlist_id)
        target = {"playlist_id": pl.id, "creator_id": pl.creator_id}
    _check_key_scope(db, principal, scope, target)

    variants = list(body.variants) if body.variants else None
    if variants:
        _check_known_variants(db, org_id, variants)
    if principal.variants is not None:
        if variants is None:
            variants = list(principal.variants)
        elif not set(variants) <= set(principal.variants):
            raise Forbidden(f"This key allows only the variants {', '.join(principal.variants)}")
    if variants is None:
        variants = list(settings.default_play_variants)
    variants = list(dict.fromkeys(variants))

    session = PlaySession(
        id=uuid.uuid4(),
        organization_id=org_id,
        scope=scope,
        collection_id=target.get("collection_id") if scope != "playlist" else None,
        track_id=target.get("track_id"),
        playlist_id=target.get("playlist_id"),
        creator_id=target.get("creator_id"),
        api_key_id=principal.key_id,
        organization_index=body.organization_index,
        metadata_=body.metadata,
        variants=variants,
        is_downloadable=bool(body.is_downloadable and principal.is_downloadable),
        expires_at=utcnow() + dt.timedelta(seconds=ttl),
    )
    db.add(session)
    db.flush()
    rows = session_tracks(db, session)
    if not rows:
        raise Unprocessable("Nothing to play yet: no track in this scope has been uploaded and processed")
    return session, rows


def session_tracks(db: Session, session: PlaySession) -> list:
    """Ordered tuples (TRACK_COLUMNS, id as text) of the session's playable tracks."""
    playable = Track.track_status_id.in_(PLAYABLE)
    if session.scope == "track":
        q = select(*TRACK_COLUMNS).where(Track.id == session.track_id, playable)
    elif session.scope == "collection":
        q = select(*TRACK_COLUMNS).where(Track.collection_id == session.collection_id, playable).order_by(
            Track.order, Track.created_at
        )
    else:
        q = (
            select(*TRACK_COLUMNS)
            .join(PlaylistTrack, PlaylistTrack.track_id == Track.id)
            .where(PlaylistTrack.playlist_id == session.playlist_id, playable)
            .order_by(PlaylistTrack.position)
        )
    return [(_uuid_text(r[0]), *r[1:]) for r in db.execute(q)]


def _uuid_text(value) -> str:
    if isinstance(value, str) and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value)


def get_live_session(db: Session, session_id: uuid.UUID) -> PlaySession:
    session = db.get(PlaySession, session_id)
    if session is None:
        raise NotFound("Play session not found")
    if session.expires_at <= utcnow():
        raise Gone("This play session has expired; create a new one")
    return session
