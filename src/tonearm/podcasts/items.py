"""What a feed is made of, read in four queries whatever the number of episodes: the show, its
published episodes, their audio files and transcripts; plus the cheap fingerprint that says
whether a cached feed is still right."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import String, Text, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from tonearm.catalog.models import Collection, Track, TrackFile, Variant
from tonearm.catalog.states import PLAYABLE
from tonearm.podcasts.models import Episode, Show, Transcript

AUDIO_TYPES = ("transcode", "original")
# Plain columns, not ORM objects: a 10 000-episode feed loads 10 000 of these.
# The two JSON lists come as text (mostly "[]"): the feed decodes only the non-empty ones (json_list).
EPISODE_COLUMNS = (Episode.title, Episode.description, Episode.guid, Episode.episode_number,
                   Episode.season_number, Episode.episode_type, Episode.explicit, Episode.link, Episode.has_chapters,
                   cast(Episode.soundbites, Text).label("soundbites"), cast(Episode.persons, Text).label("persons"))


def json_list(text: str | None) -> list:
    return orjson.loads(text) if text and text not in ("[]", "null") else []


@dataclass(slots=True)
class File:
    variant: str
    ext: str
    size: int | None
    content_type: str | None
    bitrate: int | None  # kbit/s
    sha256: str | None  # base64, for podcast:integrity


@dataclass(slots=True)
class Item:
    track_id: uuid.UUID
    title: str
    pub_date: dt.datetime
    guid: str
    duration: float | None
    ep: Any  # the episode's columns (EPISODE_COLUMNS; all None for a track without episode fields)
    files: list[File] = field(default_factory=list)
    transcripts: list[tuple[str, str]] = field(default_factory=list)  # (language, format)


def _published(collection_id: uuid.UUID, now: dt.datetime):
    return (Track.collection_id == collection_id, Track.track_status_id.in_([s.value for s in PLAYABLE]),
            or_(Episode.pub_date.is_(None), Episode.pub_date <= now))


def fingerprint(db: Session, show: Show, col: Collection, now: dt.datetime) -> tuple[str, dt.datetime]:
    """(a digest that changes whenever the feed would, the feed's Last-Modified)."""
    row = db.execute(
        select(func.count(Track.id), func.max(Track.updated_at), func.max(Episode.updated_at),
               func.max(Episode.pub_date))
        .select_from(Track).outerjoin(Episode, Episode.track_id == Track.id)
        .where(*_published(col.id, now))).one()
    stamps = [t for t in (show.updated_at, col.updated_at, row[1], row[2], row[3]) if t is not None]
    stamps = [t if t.tzinfo else t.replace(tzinfo=dt.UTC) for t in stamps]
    key = "|".join(str(x) for x in (show.collection_id, row[0], *stamps))
    return hashlib.sha256(key.encode()).hexdigest(), max(stamps)


def _key(column):
    """An id column as the driver gives it (hex text on SQLite, a UUID on PostgreSQL), without
    SQLAlchemy's conversion: the rows of one feed are matched on it, and 30 000 conversions show."""
    return type_coerce(column, String)


def _files(conn, collection_id: uuid.UUID) -> dict[Any, list[File]]:
    rows = conn.execute(  # two props read in SQL: decoding 30 000 JSON documents in Python costs more
        select(_key(TrackFile.track_id), TrackFile.variant_index, TrackFile.path, TrackFile.size,
               TrackFile.content_type, TrackFile.props["bitrate"].as_integer(), TrackFile.props["sha256"].as_string())
        .join(Track, Track.id == TrackFile.track_id).join(Variant, Variant.id == TrackFile.variant_id)
        .where(Track.collection_id == collection_id, TrackFile.is_success.is_(True),
               Variant.variant_type_id.in_(AUDIO_TYPES))
        .order_by(TrackFile.track_id, Variant.position)).all()  # all(): fetched at once, not row by row
    out: dict[Any, list[File]] = {}
    for key, variant, path, size, ctype, bitrate, sha256 in rows:
        out.setdefault(key, []).append(File(variant, path.rsplit(".", 1)[-1].lower(), size, ctype, bitrate, sha256))
    return out


def items(db: Session, show: Show, col: Collection, now: dt.datetime) -> list[Item]:
    """The published episodes with a file to enclose, newest first (then by track id, descending)."""
    conn = db.connection()  # Core rows: the ORM's row handling costs more than these queries
    files = _files(conn, col.id)
    transcripts: dict[Any, list[tuple[str, str]]] = {}
    for key, lang, fmt in conn.execute(
            select(_key(Transcript.track_id), Transcript.language, Transcript.format)
            .join(Track, Track.id == Transcript.track_id).where(Track.collection_id == col.id)
            .order_by(Transcript.language)).all():
        transcripts.setdefault(key, []).append((lang, fmt))
    # uuid order is the order of the ids' text on both databases (bytes in PostgreSQL, hex in SQLite)
    published = func.coalesce(Episode.pub_date, Track.created_at)
    rows = conn.execute(
        select(Track.id, _key(Track.id).label("key"), Track.player_title, Track.file_name, Track.duration,
               published.label("published"), *EPISODE_COLUMNS)
        .select_from(Track).outerjoin(Episode, Episode.track_id == Track.id)
        .where(*_published(col.id, now))
        .order_by(published.desc(), Track.id.desc())).all()
    out = []
    for ep in rows:
        item_files = files.get(ep.key)
        if item_files is None:
            continue
        track_id = ep[0]
        title = ep.title or ep.player_title or ep.file_name.rsplit(".", 1)[0]
        out.append(Item(track_id, title, ep.published, ep.guid or str(track_id), ep.duration, ep, item_files,
                        transcripts.get(ep.key, [])))
    return out


def enclosure_file(item_files: list[File], chosen: str | None) -> File:
    """The file for `<enclosure>`: the show's chosen variant, else the best MP3 (the most
    compatible), else the first audio file."""
    best = None
    for f in item_files:
        if f.variant == chosen:
            return f
        if f.ext == "mp3" and (best is None or (f.bitrate or 0) > (best.bitrate or 0)):
            best = f
    return best or item_files[0]
