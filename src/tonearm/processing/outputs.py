"""Write processing outputs to storage and record them as track files (idempotently)."""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tonearm.catalog.models import Track, TrackFile, Variant
from tonearm.storage import keys
from tonearm.storage.mime import MIME


@dataclasses.dataclass(frozen=True)
class FileRecord:
    """A finished (or failed) output waiting to be recorded; `store` returns it with key and size."""

    variant: Variant
    src: Path | None = None
    ext: str | None = None
    data: dict | None = None
    props: dict | None = None
    error: str | None = None
    key: str | None = None
    size: int | None = None

    @property
    def pending(self) -> bool:
        """Made but not yet in storage."""
        return self.key is None and self.error is None


def write_json(workdir: Path, name: str, payload: dict) -> Path:
    path = workdir / name
    path.write_bytes(json.dumps(payload, separators=(",", ":")).encode())
    return path


def store(storage, track_index: str, rec: FileRecord) -> FileRecord:
    """Put the output under its deterministic key (overwriting a previous run's copy)."""
    if rec.error or rec.src is None:
        return rec
    ext = (rec.ext or "bin").lstrip(".").lower()
    key = keys.variant(track_index, rec.variant.index, ext)
    return dataclasses.replace(rec, ext=ext, key=key, size=storage.put(key, rec.src).size)


def record(db: Session, track: Track, rec: FileRecord) -> TrackFile:
    """Replace this variant's track file row: running a job twice leaves one row per variant."""
    db.execute(delete(TrackFile).where(TrackFile.track_id == track.id, TrackFile.variant_id == rec.variant.id))
    ok = rec.error is None and rec.key is not None
    name = keys.delivery_name(track.index, rec.variant.index, rec.ext) if ok else f"{track.index}_{rec.variant.index}"
    row = TrackFile(
        id=uuid.uuid4(),
        track_id=track.id,
        variant_id=rec.variant.id,
        variant_index=rec.variant.index,
        path=f"/d/{name}",
        storage_key=rec.key if ok else None,
        file_name=name,
        size=rec.size if ok else None,
        content_type=MIME.get(rec.ext or "", "application/octet-stream") if ok else None,
        is_success=ok,
        status_text=rec.error,
        data=rec.data,
        props=rec.props,
    )
    db.add(row)
    db.flush()
    return row


def existing_success(db: Session, track_id: uuid.UUID) -> set[uuid.UUID]:
    return set(db.scalars(select(TrackFile.variant_id).where(TrackFile.track_id == track_id, TrackFile.is_success.is_(True))))
