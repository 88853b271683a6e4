"""Album loudness of a collection or playlist play session, and the gain that goes with it.

The integrated loudness is gated over all the tracks' 400 ms blocks together (each track keeps
them as a histogram, ``Track.loudness_blocks``; see tonearm.media.album), never an average of
the track values. The album's true peak is the loudest track's, so one album gain keeps every
track below the ceiling. Cached per collection/playlist for a minute: summing histograms is
cheap, reading them for a 10 000-track collection is not.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tonearm.catalog.models import PlaylistTrack, Track
from tonearm.catalog.states import PLAYABLE
from tonearm.playback.cache import TRACK_TTL, TTLCache

ALBUM_TTL = 60.0
TARGET_LUFS = -14.0
CEILING_DBTP = -1.0
_cache = TTLCache(2_000)


def album_loudness(db: Session, scope: str, collection_id, playlist_id) -> dict | None:
    """{integrated_lufs, true_peak_dbtp, gain_db, target_lufs, tracks} or None (track scope,
    nothing measured yet)."""
    if scope == "track":
        return None
    key = (scope, collection_id if scope == "collection" else playlist_id)
    hit = _cache.get(key)
    if hit is not None:
        return hit or None
    q = select(Track.loudness_blocks, Track.info).where(Track.track_status_id.in_(PLAYABLE))
    if scope == "collection":
        q = q.where(Track.collection_id == collection_id)
    else:
        q = q.join(PlaylistTrack, PlaylistTrack.track_id == Track.id).where(PlaylistTrack.playlist_id == playlist_id)
    hists, peaks = [], []
    for blocks, info in db.execute(q):
        if isinstance(blocks, dict):
            hists.append(blocks)
            peak = ((info or {}).get("loudness") or {}).get("true_peak_dbtp")
            if isinstance(peak, (int, float)):
                peaks.append(float(peak))
    value = _album(hists, peaks)
    _cache.put(key, value or {}, ALBUM_TTL if value else TRACK_TTL)
    return value


def _album(hists: list[dict], peaks: list[float]) -> dict | None:
    # Imported here: media.album and media.loudness bring numpy and PyAV, tens of MB the API process
    # should not carry for the requests (uploads among them) that never play an album.
    from tonearm.media.album import integrated
    from tonearm.media.loudness import normalisation_gain

    try:
        lufs = integrated(hists) if hists else None
    except (ValueError, KeyError, TypeError):  # a histogram of another layout: leave it out
        return None
    if lufs is None:
        return None
    peak = max(peaks) if peaks else None
    return {
        "integrated_lufs": lufs,
        "true_peak_dbtp": peak,
        "target_lufs": TARGET_LUFS,
        "gain_db": normalisation_gain(lufs, peak, TARGET_LUFS, CEILING_DBTP),
        "tracks": len(hists),
    }
