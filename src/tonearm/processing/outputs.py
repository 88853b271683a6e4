"""Write processing outputs to storage and record them as track files (idempotently)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tonearm.catalog.models import Track, TrackFile, Variant
from tonearm.storage import keys
from tonearm.storage.mime import MIME


class FileRecord:
    """A finished (or failed) output waiting to be recorded."""

    def __init__(self, variant: Variant, *, src: Path | None = None, ext: str | None = None, data: dict | None = None,
                 props: dict | None = None, error: str | None = None):
        self.variant, self.src, self.ext, self.data, self.props, self.error = variant, src, ext, data, props, error
        self.key: str | None = None
        self.size: int | None = None


def write_json(workdir: Path, name: str, payload: dict) -> Path:
    path = workdir / name
    path.write_bytes(json.dumps(payload, separators=(",", ":")).encode())
    return path


def store(storage, track: Track, rec: FileRecord) -> None:
    """Put the output under its deterministic key (overwriting a previous run's copy)."""
    if rec.error or rec.src is None:
        return
    rec.ext = (rec.ext or "bin").lstrip(".").lower()
    rec.key = keys.variant(track.index, rec.variant.index, rec.ext)
    rec.size = storage.put(rec.key, rec.src).size


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


def link_or_copy(src: Path, dest: Path) -> Path:
    try:
        os.link(src, dest)
    except OSError:
        import shutil

        shutil.copyfile(src, dest)
    return dest
