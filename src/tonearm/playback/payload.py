"""Shapes of play payloads: session, track list, and a track's signed variants, levels and cover."""

from __future__ import annotations

import datetime as dt


from sqlalchemy import select
from sqlalchemy.orm import Session

from tonearm.api.envelope import iso
from tonearm.catalog.colors import light_dark
from tonearm.catalog.models import Track, TrackFile
from tonearm.delivery.signing import sign_path
from tonearm.playback.models import PlaySession
from tonearm.settings import Settings

COVER_SIZES = ("icon", "small", "regular", "large")


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


def track_list_out(rows) -> list[dict]:
    out = []
    for n, r in enumerate(rows):
        light, dark = light_dark(r.player_color)
        out.append(
            {
                "id": r.id,
                "index": r.index,
                "order": n,
                "duration": r.duration,
                "file_name": r.file_name,
                "player_title": r.player_title,
                "player_subtitle": r.player_subtitle,
                "player_color": r.player_color,
                "player_color_light": light,
                "player_color_dark": dark,
                "track_status_id": r.track_status_id,
            }
        )
    return out


def url_expiry(settings: Settings, session: PlaySession) -> int:
    return int((session.expires_at + dt.timedelta(seconds=settings.delivery_grace_seconds)).timestamp())


def signed(settings: Settings, path: str, expires: int, **extra) -> str:
    return settings.public_url + sign_path(settings.secret_key, path, {"expires": expires, **extra})


def _track_out(track: Track, player_color: str | None, order: int | None) -> dict:
    light, dark = light_dark(player_color)
    return {
        "id": track.id,
        "index": track.index,
        "collection_id": track.collection_id,
        "duration": track.duration,
        "player_title": track.player_title,
        "player_subtitle": track.player_subtitle,
        "player_color": player_color,
        "player_color_light": light,
        "player_color_dark": dark,
        "image_colors": track.image_colors or [],
        "file_name": track.file_name,
        "info": track.info or {},
        "organization_index": track.organization_index,
        "order": track.order if order is None else order,
        "metadata": track.metadata_ or {},
        "is_dark": track.is_dark,
        "track_status_id": track.track_status_id,
    }


def _cover(settings: Settings, track: Track, expires: int) -> dict | None:
    sizes = track.cover_sizes or {}
    if not sizes:
        return None
    out = {}
    for name in COVER_SIZES:
        spec = sizes.get(name)
        if spec:
            out[name] = {
                "type": name,
                "width": spec.get("width"),
                "height": spec.get("height"),
                "url": signed(settings, spec["path"], expires),
            }
    return out or None


def _loudness(track: Track) -> dict | None:
    loud = (track.info or {}).get("loudness")
    if not isinstance(loud, dict):
        return None
    return {
        "integrated_lufs": loud.get("integrated_lufs"),
        "true_peak_dbtp": loud.get("true_peak_dbtp"),
        "loudness_range_lu": loud.get("loudness_range_lu"),
        "target_lufs": loud.get("target_lufs", -14.0),
        "gain_db": loud.get("gain_db"),
    }


def track_payload(db: Session, settings: Settings, session: PlaySession, track: Track, *, player_color: str | None,
                  order: int | None = None) -> dict:
    files = {
        f.variant_index: f
        for f in db.scalars(select(TrackFile).where(TrackFile.track_id == track.id, TrackFile.is_success.is_(True)))
    }
    expires = url_expiry(settings, session)
    variants = []
    for index in session.variants:
        f = files.get(index)
        if f is None:
            continue
        props = f.props or {}
        variants.append(
            {
                "id": f.id,
                "path": f.path,
                "url": signed(settings, f.path, expires),
                "size": f.size,
                "content_type": f.content_type,
                "data": f.data if (f.data and "capture_start" in f.data) else None,
                "props": {"codec": props.get("codec"), "bitrate": props.get("bitrate"), **props},
                "variant": {"index": index},
            }
        )
    levels_file = files.get("levels")
    levels = None
    if levels_file is not None and levels_file.data and isinstance(levels_file.data.get("levels"), list):
        levels = {"levels": levels_file.data["levels"]}
    loudness = _loudness(track)
    return {
        "cover_image": _cover(settings, track, expires),
        "track": _track_out(track, player_color, order),
        "levels": levels,
        "loudness": loudness,
        "normalization_gain_db": loudness["gain_db"] if loudness else None,
        "variants": variants,
    }


