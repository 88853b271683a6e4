"""Tracks and track-specific variants: the logic, no HTTP."""

from __future__ import annotations

import re
import secrets
import unicodedata
import uuid
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from tonearm.catalog.models import Collection, Track, TrackFile, Variant
from tonearm.catalog.service import get_collection, get_creator
from tonearm.catalog.states import ACTIVE, TrackStatus, UploadState
from tonearm.db.base import utcnow
from tonearm.db.paging import paged
from tonearm.errors import Conflict, Invalid, NotFound, Unprocessable
from tonearm.storage import keys as storage_keys


def new_track_index() -> str:
    return secrets.token_hex(8)


def clean_file_name(raw: str) -> str:
    """A display-safe file name: last path component, no control/bidi characters, ≤ 255 chars."""
    name = raw.replace("\\", "/").split("/")[-1]
    name = "".join(
        ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    ).strip().strip(".")
    name = re.sub(r"\s+", " ", name)
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) <= 8 else name[:255]
    return name or "untitled"


def next_order(db: Session, collection_id: uuid.UUID) -> int:
    current = db.scalar(select(func.max(Track.order)).where(Track.collection_id == collection_id))
    return 0 if current is None else current + 1


def create_track(
    db: Session,
    *,
    organization_id: uuid.UUID,
    collection_id: uuid.UUID,
    file_name: str,
    fields: dict[str, Any] | None = None,
    upload_session_id: uuid.UUID | None = None,
) -> Track:
    fields = dict(fields or {})
    col = get_collection(db, organization_id=organization_id, collection_id=collection_id)
    creator_id = fields.pop("creator_id", None) or col.creator_id
    if creator_id is not None:
        get_creator(db, organization_id=organization_id, creator_id=creator_id)
    metadata = fields.pop("metadata", None)
    file_size = fields.pop("file_size", None)
    track = Track(
        id=uuid.uuid4(),
        index=new_track_index(),
        organization_id=organization_id,
        collection_id=col.id,
        creator_id=creator_id,
        upload_session_id=upload_session_id,
        file_name=clean_file_name(file_name),
        file_name_original=file_name[:1000],
        metadata_=metadata,
        order=next_order(db, col.id),
        upload_max_bytes=file_size,
        **{k: v for k, v in fields.items() if v is not None},
    )
    db.add(track)
    db.flush()
    return track


def get_track(db: Session, *, organization_id: uuid.UUID, track_id: uuid.UUID) -> Track:
    track = db.get(Track, track_id)
    if track is None or track.organization_id != organization_id:
        raise NotFound("Track not found")
    return track


def update_track(db: Session, *, track: Track, changes: dict[str, Any]) -> Track:
    if "collection_id" in changes:
        if changes["collection_id"] is None:
            raise Invalid("collection_id cannot be null")
        get_collection(db, organization_id=track.organization_id, collection_id=changes["collection_id"])
    if changes.get("creator_id") is not None:
        get_creator(db, organization_id=track.organization_id, creator_id=changes["creator_id"])
    if "metadata" in changes:
        track.metadata_ = changes.pop("metadata")
    if "file_name" in changes:
        changes["file_name"] = clean_file_name(changes["file_name"])
    for field, value in changes.items():
        setattr(track, field, value)
    db.flush()
    return track


def object_keys(db: Session, track_ids: list[uuid.UUID]) -> list[str]:
    """Every stored object that belongs to these tracks (to delete after the rows are gone)."""
    keys: list[str] = []
    if not track_ids:
        return keys
    for t in db.scalars(select(Track).where(Track.id.in_(track_ids))):
        # The conventional upload keys too: with S3 an upload can land before Tonearm notices it.
        keys += list(dict.fromkeys(k for k in (t.original_key, t.cover_key, storage_keys.original(t.index),
                                               storage_keys.cover_upload(t.index)) if k))
        for size in (t.cover_sizes or {}).values():
            if isinstance(size, dict) and size.get("key"):
                keys.append(size["key"])
    keys += [k for k in db.scalars(select(TrackFile.storage_key).where(TrackFile.track_id.in_(track_ids))) if k]
    return keys


def purge_objects_for_collection(db: Session, *, collection: Collection) -> list[str]:
    ids = list(db.scalars(select(Track.id).where(Track.collection_id == collection.id)))
    keys = object_keys(db, ids)
    if collection.cover_key:
        keys.append(collection.cover_key)
    return keys


def delete_track(db: Session, *, track: Track) -> list[str]:
    keys = object_keys(db, [track.id])
    db.delete(track)
    db.flush()
    return keys


def list_collection_tracks(db: Session, *, collection_id: uuid.UUID, limit: int, offset: int) -> tuple[int, list[Track]]:
    return paged(db, Track, Track.collection_id == collection_id, order_by=(Track.order, Track.created_at),
                 limit=limit, offset=offset)


# ----------------------------------------------------------------- variants


def list_variants(
    db: Session, *, organization_id: uuid.UUID, limit: int, offset: int, track_id: uuid.UUID | None = None
) -> tuple[int, list[Variant]]:
    where = [Variant.organization_id == organization_id]
    where.append(Variant.track_id == track_id if track_id is not None else Variant.track_id.is_(None))
    return paged(db, Variant, *where, order_by=(Variant.position, Variant.created_at), limit=limit, offset=offset)


def get_variant(db: Session, *, organization_id: uuid.UUID, variant_id: uuid.UUID) -> Variant:
    variant = db.get(Variant, variant_id)
    if variant is None or variant.organization_id != organization_id:
        raise NotFound("Variant not found")
    return variant


def variants_for_track(db: Session, track: Track) -> list[Variant]:
    """The organization's default ladder plus this track's own variants, in order."""
    return list(
        db.scalars(
            select(Variant)
            .where(
                Variant.organization_id == track.organization_id,
                or_(Variant.track_id.is_(None), Variant.track_id == track.id),
            )
            .order_by(Variant.track_id.is_not(None), Variant.position, Variant.created_at)
        )
    )


def add_org_variant(db: Session, *, organization_id: uuid.UUID, index: str, variant_type_id: str, settings: dict,
                    is_required: bool = True) -> Variant:
    """An organization-wide recipe: every track processed from now on gets it."""
    taken = db.scalar(select(Variant.id).where(Variant.organization_id == organization_id, Variant.index == index))
    if taken is not None:
        raise Conflict(f"A variant with index {index!r} already exists")
    position = db.scalar(select(func.max(Variant.position)).where(
        Variant.organization_id == organization_id, Variant.track_id.is_(None))) or 0
    variant = Variant(id=uuid.uuid4(), organization_id=organization_id, track_id=None, index=index,
                      variant_type_id=variant_type_id, name=index, settings=settings, is_default=True,
                      position=position + 1, is_required=is_required)
    db.add(variant)
    db.flush()
    return variant


def delete_variant(db: Session, *, variant: Variant) -> list[str]:
    """Remove a recipe and its track files; returns the storage keys to delete after commit."""
    keys = [k for k in db.scalars(select(TrackFile.storage_key).where(TrackFile.variant_id == variant.id)) if k]
    db.delete(variant)
    db.flush()
    return keys


def add_track_variant(db: Session, *, track: Track, index: str, variant_type_id: str, settings: dict,
                      is_required: bool = True) -> Variant:
    taken = db.scalar(
        select(Variant.id).where(
            Variant.organization_id == track.organization_id,
            Variant.index == index,
            or_(Variant.track_id.is_(None), Variant.track_id == track.id),
        )
    )
    if taken is not None:
        raise Conflict(f"A variant with index {index!r} already exists for this track")
    if track.original_key is None or track.upload_state != UploadState.STORED:
        raise Unprocessable("The track has no source file to process yet")
    position = db.scalar(select(func.count()).select_from(Variant).where(Variant.track_id == track.id)) or 0
    variant = Variant(
        id=uuid.uuid4(),
        organization_id=track.organization_id,
        track_id=track.id,
        index=index,
        variant_type_id=variant_type_id,
        name=index,
        settings=settings,
        is_default=False,
        position=1000 + position,
        is_required=is_required,
    )
    db.add(variant)
    want_again(db, track, track_status_id=TrackStatus.PROCESSING)  # a running job makes this one too
    return variant


def mark_for_reprocess(db: Session, *, track: Track) -> None:
    """Queue a stored track for another processing run (an operator's retry after a fault).

    Variants without a successful file are made again; a worker holding a live lease keeps it."""
    if track.original_key is None or track.upload_state != UploadState.STORED:
        raise Conflict("The track has no stored upload to process")
    want_again(db, track, track_status_id=TrackStatus.PROCESSING, status_text="Queued for reprocessing",
               attempts=0, fault_since=None, fault_count=0)


def want_again(db: Session, track: Track, **values: Any) -> None:
    """The track's wanted set changed (a variant added, a reprocess, a new cover): it needs
    processing again, and a run working on it now re-reads what is wanted (`plan_version`).

    One UPDATE that the database computes from the row as it is when written, never from what this
    session read before: a run may settle the track (`ready`, lease let go) between that read and
    this write, and an ORM flush leaves out every column whose new value equals the value it read
    (`processing`, a null `files_completed_at`): the track would stay `ready`, the new job would find
    nothing to claim, and the new work would be lost. `values` are written as given; a lease that
    has lapsed is let go (a live one stays with its run, which sees the new plan)."""
    lapsed = Track.lease_expires_at < utcnow()
    db.flush()
    db.execute(update(Track).where(Track.id == track.id).values(
        plan_version=Track.plan_version + 1, files_completed_at=None,
        lease_expires_at=case((lapsed, None), else_=Track.lease_expires_at),
        lease_token=case((lapsed, None), else_=Track.lease_token),
        **values).execution_options(synchronize_session=False))
    db.refresh(track)


def keep_active(column, value):
    """A value for `want_again`: `value` unless the track waits for (or is in) processing already."""
    return case((Track.track_status_id.in_(ACTIVE), column), else_=value)
