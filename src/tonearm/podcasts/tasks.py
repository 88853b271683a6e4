"""Job bodies of the podcasts stage: SHA-256 digests of episode audio for `podcast:integrity`.

podcasts.digest    the audio files of one track (enqueued when its episode fields are set)
podcasts.digests   periodic: up to BATCH files of shows' episodes still without a digest

Storage reads happen outside any transaction; each file's digest is stored in its TrackFile's
props (`sha256`, base64, as SRI writes it) in its own short unit of work."""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid

from sqlalchemy import select

from tonearm.catalog.models import Track, TrackFile, Variant
from tonearm.db.base import utcnow
from tonearm.jobs.runtime import Runtime
from tonearm.podcasts.items import AUDIO_TYPES
from tonearm.podcasts.models import Show

log = logging.getLogger(__name__)
BATCH = 20
CHUNK = 1024 * 1024


def _missing(*where):
    return (select(TrackFile.id, TrackFile.storage_key)
            .join(Variant, Variant.id == TrackFile.variant_id)
            .where(TrackFile.is_success.is_(True), TrackFile.storage_key.is_not(None),
                   Variant.variant_type_id.in_(AUDIO_TYPES), TrackFile.props["sha256"].as_string().is_(None), *where))


def sri_sha256(storage, key: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with storage.open(key) as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return base64.b64encode(digest.digest()).decode()


def _store(rt: Runtime, rows) -> None:
    for file_id, key in rows:
        value = sri_sha256(rt.storage, key)
        if value is None:
            continue
        with rt.unit() as db:
            row = db.get(TrackFile, file_id)
            if row is not None and row.storage_key == key:
                row.props = {**(row.props or {}), "sha256": value}
                track = db.get(Track, row.track_id)
                track.updated_at = utcnow()  # moves the feed's fingerprint: the cached feed is rebuilt


def digest(rt: Runtime, track_id: str) -> None:
    with rt.unit() as db:
        rows = list(db.execute(_missing(TrackFile.track_id == uuid.UUID(track_id))))
    _store(rt, rows)


def digests(rt: Runtime) -> None:
    with rt.unit() as db:
        rows = list(db.execute(_missing().join(Track, Track.id == TrackFile.track_id)
                               .join(Show, Show.collection_id == Track.collection_id).limit(BATCH)))
    _store(rt, rows)


JOBS = {"podcasts.digest": digest}
PERIODIC = {"podcasts.digests": digests}
