"""Organization, creators and collections: the logic, no HTTP. Services flush, never commit."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tonearm.catalog.models import Collection, Creator, Organization, Track, Variant
from tonearm.db.paging import paged
from tonearm.errors import NotFound

# The default ladder every new organization starts with (issue "Processing pipeline").
DEFAULT_LADDER: list[dict[str, Any]] = [
    {"index": "original", "variant_type_id": "original", "name": "Original upload", "settings": {}},
    {"index": "hq", "variant_type_id": "transcode", "name": "High quality",
     "settings": {"codec": "aac", "bitrate": 256, "is_stereo": True, "is_strip_tags": True, "is_strip_cover": True}},
    {"index": "lq", "variant_type_id": "transcode", "name": "Low bandwidth",
     "settings": {"codec": "mp3", "bitrate": 128, "is_stereo": True, "is_strip_tags": True, "is_strip_cover": True}},
    {"index": "preview", "variant_type_id": "preview", "name": "Preview clip",
     "settings": {"codec": "mp3", "bitrate": 128, "is_stereo": True, "preview_type": "seconds",
                  "preview_seconds": 30, "preview_min_percent": 0, "preview_max_percent": 100,
                  "preview_start_percent": 25}},
    {"index": "levels", "variant_type_id": "levels", "name": "Waveform levels", "settings": {"num_samples": 320}},
    {"index": "waveform", "variant_type_id": "waveform_image", "name": "Waveform image", "settings": {}},
    {"index": "peaks", "variant_type_id": "levels", "name": "Waveform peaks (audiowaveform JSON)",
     "settings": {"format": "audiowaveform"}},
    {"index": "cover", "variant_type_id": "cover", "name": "Cover image", "settings": {}},
]


# ------------------------------------------------------------ organization


def create_organization(db: Session, *, name: str, ladder: list[dict] | None = None) -> Organization:
    org = Organization(id=uuid.uuid4(), name=name, webhook_secret="whsec_" + secrets.token_urlsafe(32))
    db.add(org)
    db.flush()
    for position, spec in enumerate(ladder or DEFAULT_LADDER):
        db.add(Variant(
            organization_id=org.id, track_id=None, position=position, is_default=True,
            index=spec["index"], variant_type_id=spec["variant_type_id"], name=spec.get("name", spec["index"]),
            settings=dict(spec.get("settings") or {}), is_required=spec.get("is_required", True) is not False,
        ))
    db.flush()
    return org


def get_organization(db: Session, *, organization_id: uuid.UUID, caller_org: uuid.UUID) -> Organization:
    org = db.get(Organization, organization_id) if organization_id == caller_org else None
    if org is None:
        raise NotFound("Organization not found")
    return org


def update_organization(db: Session, *, org: Organization, changes: dict[str, Any]) -> Organization:
    for field, value in changes.items():
        setattr(org, field, value)
    db.flush()
    return org


# ---------------------------------------------------------------- creators


def list_creators(db: Session, *, organization_id: uuid.UUID, limit: int, offset: int) -> tuple[int, list[Creator]]:
    return paged(db, Creator, Creator.organization_id == organization_id,
                 order_by=(Creator.created_at, Creator.id), limit=limit, offset=offset)


def get_creator(db: Session, *, organization_id: uuid.UUID, creator_id: uuid.UUID) -> Creator:
    creator = db.get(Creator, creator_id)
    if creator is None or creator.organization_id != organization_id:
        raise NotFound("Creator not found")
    return creator


def create_creator(db: Session, *, organization_id: uuid.UUID, organization_index: str, metadata: dict | None) -> Creator:
    creator = Creator(
        id=uuid.uuid4(), organization_id=organization_id, organization_index=organization_index, metadata_=metadata
    )
    db.add(creator)
    db.flush()
    return creator


def update_creator(db: Session, *, creator: Creator, changes: dict[str, Any]) -> Creator:
    if "metadata" in changes:
        creator.metadata_ = changes.pop("metadata")
    for field, value in changes.items():
        setattr(creator, field, value)
    db.flush()
    return creator


def delete_creator(db: Session, *, creator: Creator) -> None:
    db.delete(creator)
    db.flush()


# ------------------------------------------------------------- collections


def list_collections(
    db: Session, *, organization_id: uuid.UUID, limit: int, offset: int, creator_id: uuid.UUID | None = None
) -> tuple[int, list[Collection]]:
    where = [Collection.organization_id == organization_id]
    if creator_id is not None:
        where.append(Collection.creator_id == creator_id)
    return paged(db, Collection, *where, order_by=(Collection.created_at, Collection.id), limit=limit, offset=offset)


def get_collection(db: Session, *, organization_id: uuid.UUID, collection_id: uuid.UUID) -> Collection:
    col = db.get(Collection, collection_id)
    if col is None or col.organization_id != organization_id:
        raise NotFound("Collection not found")
    return col


def _check_creator(db: Session, organization_id: uuid.UUID, creator_id: uuid.UUID | None) -> None:
    if creator_id is not None:
        get_creator(db, organization_id=organization_id, creator_id=creator_id)


def create_collection(db: Session, *, organization_id: uuid.UUID, fields: dict[str, Any]) -> Collection:
    _check_creator(db, organization_id, fields.get("creator_id"))
    metadata = fields.pop("metadata", None)
    theme = fields.pop("theme", None)
    col = Collection(id=uuid.uuid4(), organization_id=organization_id, metadata_=metadata, theme=theme, **fields)
    db.add(col)
    db.flush()
    return col


def update_collection(db: Session, *, col: Collection, changes: dict[str, Any]) -> Collection:
    if "creator_id" in changes:
        _check_creator(db, col.organization_id, changes["creator_id"])
    if "metadata" in changes:
        col.metadata_ = changes.pop("metadata")
    for field, value in changes.items():
        setattr(col, field, value)
    db.flush()
    return col


def delete_collection(db: Session, *, col: Collection) -> None:
    db.delete(col)
    db.flush()


def count_tracks(db: Session, *, collection_id: uuid.UUID) -> int:
    return db.scalar(select(func.count()).select_from(Track).where(Track.collection_id == collection_id)) or 0
