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
from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from tonearm.catalog.models import Collection, Track, TrackFile, Variant
from tonearm.catalog.states import PLAYABLE
from tonearm.podcasts.models import Episode, Show, Transcript

AUDIO_TYPES = ("transcode", "original")
# Plain columns, not ORM objects: a 10 000-episode feed loads 10 000 of these.
# The two JSON lists come as text (mostly "[]"): the feed decodes only the non-empty ones (json_list).
EPISODE_COLUMNS = (Episode.title, Episode.description, Episode.pub_date, Episode.guid, Episode.episode_number,
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


def _files(db: Session, collection_id: uuid.UUID) -> dict[uuid.UUID, list[File]]:
    rows = db.execute(  # two props read in SQL: decoding 30 000 JSON documents in Python costs more
        select(TrackFile.track_id, TrackFile.variant_index, TrackFile.path, TrackFile.size, TrackFile.content_type,
               TrackFile.props["bitrate"].as_integer(), TrackFile.props["sha256"].as_string())
        .join(Track, Track.id == TrackFile.track_id).join(Variant, Variant.id == TrackFile.variant_id)
        .where(Track.collection_id == collection_id, TrackFile.is_success.is_(True),
               Variant.variant_type_id.in_(AUDIO_TYPES))
        .order_by(TrackFile.track_id, Variant.position))
    out: dict[uuid.UUID, list[File]] = {}
    for track_id, variant, path, size, ctype, bitrate, sha256 in rows:
        out.setdefault(track_id, []).append(File(variant, path.rsplit(".", 1)[-1].lower(), size, ctype, bitrate,
                                                 sha256))
    return out


def items(db: Session, show: Show, col: Collection, now: dt.datetime) -> list[Item]:
    """The published episodes with a file to enclose, newest first."""
    files = _files(db, col.id)
    transcripts: dict[uuid.UUID, list[tuple[str, str]]] = {}
    for track_id, lang, fmt in db.execute(
            select(Transcript.track_id, Transcript.language, Transcript.format)
            .join(Track, Track.id == Transcript.track_id).where(Track.collection_id == col.id)
            .order_by(Transcript.language)):
        transcripts.setdefault(track_id, []).append((lang, fmt))
    rows = db.execute(
        select(Track.id, Track.player_title, Track.file_name, Track.duration, Track.created_at, *EPISODE_COLUMNS)
        .select_from(Track).outerjoin(Episode, Episode.track_id == Track.id)
        .where(*_published(col.id, now)))
    out = []
    for ep in rows:
        track_id = ep[0]
        if track_id not in files:
            continue
        title = ep.title or ep.player_title or ep.file_name.rsplit(".", 1)[0]
        out.append(Item(track_id, title, ep.pub_date or ep.created_at, ep.guid or str(track_id), ep.duration, ep,
                        files[track_id], transcripts.get(track_id, [])))
    out.sort(key=lambda it: (it.pub_date, str(it.track_id)), reverse=True)
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
