"""Play payloads in two steps: load a track's unsigned playback facts (cacheable), then sign
them for one session. Also the session and track-list shapes, and a session's whole answer
(full_payload: the API's play-session routes and the share-key embeds send it)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from tonearm.catalog.colors import light_dark
from tonearm.catalog.models import (
    Collection,
    Organization,
    PlaylistTrack,
    Track,
    TrackFile,
)
from tonearm.catalog.schemas import STATUS_MAP
from tonearm.catalog.states import PLAYABLE, TrackStatus
from tonearm.errors import NotFound
from tonearm.jobs.runtime import Runtime
from tonearm.playback.album import album_loudness
from tonearm.playback.models import PlaySession
from tonearm.settings import Settings
from tonearm.wire import iso

COVER_SIZES = ("icon", "small", "regular", "large")


@dataclass(frozen=True)
class SessionFacts:
    id: uuid.UUID
    organization_id: uuid.UUID
    scope: str
    collection_id: uuid.UUID | None
    track_id: uuid.UUID | None
    playlist_id: uuid.UUID | None
    variants: tuple[str, ...]
    is_downloadable: bool
    expires_at: dt.datetime
    out: dict
    album: dict | None = None  # album loudness of a collection/playlist session (playback.album)


@dataclass(frozen=True)
class TrackFacts:
    id: uuid.UUID
    organization_id: uuid.UUID
    collection_id: uuid.UUID
    playable: bool
    file_name: str
    track: dict
    files: dict
    levels: dict | None
    cover: dict | None
    loudness: dict | None


def session_out(session: PlaySession) -> dict:
    return {
        "id": session.id,
        "scope": session.scope,
        "collection_id": session.collection_id,
        "track_id": session.track_id,
        "playlist_id": session.playlist_id,
        "creator_id": session.creator_id,
        "organization_index": session.organization_index,
        "metadata": session.metadata_ or {},
        "variants": session.variants,
        "is_downloadable": session.is_downloadable,
        "expires_at": iso(session.expires_at),
    }


def session_facts(session: PlaySession, db: Session | None = None) -> SessionFacts:
    """With ``db``, the album loudness of a collection/playlist session is looked up too."""
    album = album_loudness(db, session.scope, session.collection_id, session.playlist_id) if db is not None else None
    return SessionFacts(
        id=session.id,
        organization_id=session.organization_id,
        scope=session.scope,
        collection_id=session.collection_id,
        track_id=session.track_id,
        playlist_id=session.playlist_id,
        variants=tuple(session.variants or ()),
        is_downloadable=session.is_downloadable,
        expires_at=session.expires_at,
        out=session_out(session),
        album=album,
    )


def track_list_out(rows) -> list[dict]:
    """Rows are tuples in playback.service.TRACK_COLUMNS order."""
    out = []
    append = out.append
    for n, (tid, index, duration, _order, file_name, title, subtitle, color, status) in enumerate(rows):
        light, dark = light_dark(color)
        append(
            {
                "id": tid,
                "index": index,
                "order": n,
                "duration": duration,
                "file_name": file_name,
                "player_title": title,
                "player_subtitle": subtitle,
                "player_color": color,
                "player_color_light": light,
                "player_color_dark": dark,
                "track_status_id": status,
                "status": STATUS_MAP.get(status, status),
            }
        )
    return out


def _inherited_color(db: Session, track: Track) -> str | None:
    if track.player_color:
        return track.player_color
    col = db.get(Collection, track.collection_id)
    if col is not None and col.player_color:
        return col.player_color
    org = db.get(Organization, track.organization_id)
    return org.player_color if org else None


def _cover_sizes(db: Session, track: Track) -> dict:
    """The cover a player shows: the track's own, unless its collection has one and does not let
    tracks override it (`is_cover_overridable` false); a track without art shows the collection's."""
    own = track.cover_sizes or {}
    col = db.get(Collection, track.collection_id)
    if col is None or not col.cover_sizes:
        return own
    return own if own and col.is_cover_overridable else col.cover_sizes


def _loudness(track: Track) -> dict | None:
    loud = (track.info or {}).get("loudness")
    if not isinstance(loud, dict):
        return None
    return {
        "integrated_lufs": loud.get("integrated_lufs"),
        "true_peak_dbtp": loud.get("true_peak_dbtp"),
        "loudness_range_lu": loud.get("lra_lu"),
        "target_lufs": loud.get("target_lufs", -14.0),
        "gain_db": loud.get("gain_db"),
    }


def load_track_facts(db: Session, track_id: uuid.UUID) -> TrackFacts | None:
    track = db.get(Track, track_id)
    if track is None:
        return None
    color = _inherited_color(db, track)
    light, dark = light_dark(color)
    files = {}
    levels = None
    for f in db.scalars(select(TrackFile).where(TrackFile.track_id == track.id, TrackFile.is_success.is_(True))):
        props = f.props or {}
        files[f.variant_index] = {
            "id": f.id,
            "path": f.path,
            "size": f.size,
            "content_type": f.content_type,
            "data": f.data if (f.data and "capture_start" in f.data) else None,
            "props": {"codec": props.get("codec"), "bitrate": props.get("bitrate"), **props},
        }
        if f.variant_index == "levels" and f.data and isinstance(f.data.get("levels"), list):
            levels = {"levels": f.data["levels"]}
    sizes = _cover_sizes(db, track)
    cover = {n: sizes[n] for n in COVER_SIZES if isinstance(sizes.get(n), dict) and sizes[n].get("path")} or None
    return TrackFacts(
        id=track.id,
        organization_id=track.organization_id,
        collection_id=track.collection_id,
        playable=track.track_status_id in PLAYABLE,
        file_name=track.file_name,
        track={
            "id": track.id,
            "index": track.index,
            "collection_id": track.collection_id,
            "duration": track.duration,
            "player_title": track.player_title,
            "player_subtitle": track.player_subtitle,
            "player_color": color,
            "player_color_light": light,
            "player_color_dark": dark,
            "image_colors": track.image_colors or [],
            "file_name": track.file_name,
            "info": track.info or {},
            "organization_index": track.organization_index,
            "order": track.order,
            "metadata": track.metadata_ or {},
            "is_dark": track.is_dark,
            "track_status_id": track.track_status_id,
            "status": STATUS_MAP.get(track.track_status_id, track.track_status_id),
            "creator_id": track.creator_id,
            "is_cover_overridable": track.is_cover_overridable,
            "is_theme_overridable": track.is_theme_overridable,
        },
        files=files,
        levels=levels,
        cover=cover,
        loudness=_loudness(track),
    )


def in_playlist(db: Session, playlist_id: uuid.UUID, track_id: uuid.UUID) -> bool:
    return bool(db.scalar(select(exists().where(PlaylistTrack.playlist_id == playlist_id, PlaylistTrack.track_id == track_id))))


def check_member(session: SessionFacts, facts: TrackFacts | None, playlist_member: bool | None = None) -> TrackFacts:
    ok = facts is not None and facts.organization_id == session.organization_id and facts.playable
    if ok:
        if session.scope == "track":
            ok = facts.id == session.track_id
        elif session.scope == "collection":
            ok = facts.collection_id == session.collection_id
        else:
            ok = bool(playlist_member)
    if not ok:
        raise NotFound("Track is not part of this play session")
    return facts


def facts_for(db: Session, session: SessionFacts, track_id: uuid.UUID) -> TrackFacts:
    """The track's facts if it belongs to the session (else NotFound)."""
    facts = load_track_facts(db, track_id)
    member = in_playlist(db, session.playlist_id, track_id) if session.scope == "playlist" and facts else None
    return check_member(session, facts, member)


def url_expiry(settings: Settings, expires_at: dt.datetime) -> int:
    return int((expires_at + dt.timedelta(seconds=settings.delivery_grace_seconds)).timestamp())


def signed_payload(rt: Runtime, session: SessionFacts, facts: TrackFacts, *, order: int | None = None) -> dict:
    expires = url_expiry(rt.settings, session.expires_at)
    sign = rt.signer.url_until
    ps = session.id.hex  # names the play session in delivery analytics (signed like the rest)
    variants = []
    for index in session.variants:
        f = facts.files.get(index)
        if f is not None:
            variants.append({**f, "url": sign(f["path"], expires, ps=ps), "variant": {"index": index}})
    fallback = (TrackStatus.FALLBACK, TrackStatus.FALLBACK_PROCESSING)
    if not variants and facts.track["track_status_id"] in fallback and "original" in facts.files:
        # Still encoding: offer the (browser-playable) original so the player can start now.
        f = facts.files["original"]
        variants.append({**f, "url": sign(f["path"], expires, ps=ps), "variant": {"index": "original"},
                         "fallback": True})
    cover = None
    if facts.cover:
        cover = {
            name: {"type": name, "width": s.get("width"), "height": s.get("height"), "url": sign(s["path"], expires)}
            for name, s in facts.cover.items()
        }
    track = facts.track if order is None else {**facts.track, "order": order}
    return {
        "cover_image": cover,
        "track": track,
        "levels": facts.levels,
        "loudness": facts.loudness,
        "normalization_gain_db": facts.loudness["gain_db"] if facts.loudness else None,
        "album_loudness": session.album,
        "album_gain_db": session.album["gain_db"] if session.album else None,
        "variants": variants,
    }


def full_payload(db: Session, rt: Runtime, session: PlaySession, rows) -> dict:
    """A play session's answer: the session, its track list (`rows` from playback.service
    .session_tracks) and the first track's signed payload."""
    facts = session_facts(session, db)
    first = None
    if rows:
        track = facts_for(db, facts, uuid.UUID(rows[0][0]))
        first = {"track_id": track.id} | signed_payload(rt, facts, track, order=0)
    return {
        "play_session_id": session.id,
        "play_session": facts.out,
        "tracks": track_list_out(rows),
        "album_loudness": facts.album,
        "first_track": first,
        "expires_at": iso(session.expires_at),
    }
