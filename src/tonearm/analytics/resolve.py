"""The catalog facts an event needs, looked up once per file and cached in the recorder: owner,
collection, creator, and the variant's audio rate and header size (for the IAB one-minute rule)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tonearm.catalog.models import Collection, Track, TrackFile

_TTL = 300.0
_MAX = 20_000


@dataclass(frozen=True)
class FileInfo:
    organization_id: uuid.UUID
    collection_id: uuid.UUID
    creator_id: uuid.UUID | None
    track_id: uuid.UUID
    variant: str
    bytes_per_second: int  # 0 when unknown
    audio_offset: int  # bytes before the audio: ID3 tag, MP4 moov, Ogg headers
    size: int  # the file's size (0 when unknown)


def _rate(f: TrackFile | None, track: Track) -> tuple[int, int]:
    """(bytes per second of audio, header bytes) of a file: its nominal bitrate and duration,
    else its size over the track's duration (no header known)."""
    props = (f.props or {}) if f is not None else {}
    size = (f.size or 0) if f is not None else 0
    duration = props.get("duration") or track.duration or 0
    kbps = props.get("bitrate") or props.get("avg_bitrate")
    if kbps:
        bps = int(float(kbps) * 1000 / 8)
        offset = max(0, size - int(bps * duration)) if duration and size else 0
        return bps, offset
    if duration and size:
        return int(size / duration), 0
    return 0, 0


def lookup(db: Session, *, storage_key: str | None, track_id: uuid.UUID | None,
           variant: str | None) -> FileInfo | None:
    """The file an event names, by storage key or by track and variant index; None if unknown."""
    f = None
    if storage_key:
        f = db.scalar(select(TrackFile).where(TrackFile.storage_key == storage_key).limit(1))
        track = db.get(Track, f.track_id) if f is not None else None
        if track is None and storage_key.startswith("tracks/"):  # e.g. the original, before variants exist
            index = storage_key.split("/")[1]
            track = db.scalar(select(Track).where(Track.index == index))
    else:
        track = db.get(Track, track_id) if track_id else None
        if track is not None and variant:
            f = db.scalar(select(TrackFile).where(TrackFile.track_id == track.id,
                                                  TrackFile.variant_index == variant).limit(1))
    if track is None:
        return None
    creator = track.creator_id or db.scalar(select(Collection.creator_id).where(Collection.id == track.collection_id))
    bps, offset = _rate(f, track)
    name = f.variant_index if f is not None else (variant or (storage_key or "").rsplit("/", 1)[-1].split(".")[0])
    size = (f.size or 0) if f is not None else 0
    return FileInfo(track.organization_id, track.collection_id, creator, track.id, name[:64], bps, offset, size)


class InfoCache:
    """A small TTL cache of `lookup` answers (a track's files rarely change)."""

    def __init__(self):
        self._items: dict[tuple, tuple[float, FileInfo | None]] = {}

    def get(self, db: Session, *, storage_key=None, track_id=None, variant=None) -> FileInfo | None:
        key = (storage_key, track_id, variant)
        now = time.monotonic()
        hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        info = lookup(db, storage_key=storage_key, track_id=track_id, variant=variant)
        if len(self._items) >= _MAX:
            self._items.clear()
        self._items[key] = (now + _TTL, info)
        return info
