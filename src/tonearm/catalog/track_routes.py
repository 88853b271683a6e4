"""Tracks and variants over HTTP (GET /v1/track/{id} is in uploads/routes.py: it also notices S3 uploads)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from tonearm.auth.deps import ApiKeyDep
from tonearm.catalog import tracks as service
from tonearm.catalog.responses import (
    TrackCreated,
    TrackDeleted,
    TrackReprocessed,
    TrackResponse,
    TrackWithCoverUpload,
    VariantAdded,
    VariantDeleted,
    VariantList,
    VariantResponse,
)
from tonearm.catalog.schemas import TrackCreate, TrackUpdate, track_out, variant_out
from tonearm.catalog.variant_schemas import TrackVariantCreate
from tonearm.delivery.handles import track_cover_handle, track_upload_handle
from tonearm.http.deps import DB, QueueDep, RuntimeDep, SettingsDep, StorageDep
from tonearm.http.envelope import ok
from tonearm.http.params import PageDep

router = APIRouter()


@router.post("/v1/track", tags=["tracks"], operation_id="createTrack", response_model=TrackCreated)
def create_track(body: TrackCreate, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    fields = body.model_dump(exclude_unset=True, exclude={"collection_id", "file_name"})
    track = service.create_track(
        db,
        organization_id=principal.organization_id,
        collection_id=body.collection_id,
        file_name=body.file_name,
        fields=fields,
    )
    db.commit()
    upload = track_upload_handle(rt, track)
    out = track_out(track, rt.settings.public_url) | {"upload_url": upload["upload_url"]}
    return ok(
        track_id=track.id,
        track=out,
        track_upload=upload,
        track_cover_upload=track_cover_handle(rt, track),
    )


@router.put("/v1/track/{track_id}", tags=["tracks"], operation_id="updateTrack", response_model=TrackResponse)
def update_track(track_id: uuid.UUID, body: TrackUpdate, db: DB, principal: ApiKeyDep, settings: SettingsDep):
    track = service.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    service.update_track(db, track=track, changes=body.model_dump(exclude_unset=True))
    db.commit()
    return ok(track_id=track.id, track=track_out(track, settings.public_url))


@router.delete("/v1/track/{track_id}", tags=["tracks"], operation_id="deleteTrack", response_model=TrackDeleted)
def delete_track(track_id: uuid.UUID, db: DB, principal: ApiKeyDep, settings: SettingsDep, storage: StorageDep):
    track = service.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    out = track_out(track, settings.public_url)
    keys = service.delete_track(db, track=track)
    db.commit()
    for key in keys:
        storage.delete(key)
    return ok(track_id=track_id, deleted_track=out)


@router.post("/v1/track/{track_id}/cover", tags=["tracks"],
             operation_id="createTrackCover", response_model=TrackWithCoverUpload)
def create_track_cover(track_id: uuid.UUID, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    track = service.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    return ok(
        track_id=track.id,
        track=track_out(track, rt.settings.public_url),
        track_cover_upload=track_cover_handle(rt, track),
    )


@router.post("/v1/track/{track_id}/variant", tags=["variants"],
             operation_id="addTrackVariant", response_model=VariantAdded)
def add_track_variant(
    track_id: uuid.UUID, body: TrackVariantCreate, db: DB, principal: ApiKeyDep, queue: QueueDep
):
    track = service.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    variant = service.add_track_variant(
        db, track=track, index=body.index, variant_type_id=body.variant_type_id, settings=body.settings(),
        is_required=body.is_required,
    )
    db.commit()
    job_id = queue.enqueue("processing.track", str(track.id))
    return ok(track_id=track.id, variant_id=variant.id, job_id=job_id, variant=variant_out(variant))


@router.post("/v1/track/{track_id}/reprocess", tags=["tracks"],
             operation_id="reprocessTrack", response_model=TrackReprocessed)
def reprocess_track(track_id: uuid.UUID, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    """Tonearm extension: run processing again (after a storage or database fault, for example);
    variants that have no file are made, the rest are kept."""
    track = service.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    service.mark_for_reprocess(db, track=track)
    db.commit()
    job_id = rt.enqueue("processing.track", track.id)
    return ok(track_id=track.id, track=track_out(track, rt.settings.public_url), job_id=job_id)


@router.get("/v1/variant", tags=["variants"], operation_id="listVariants", response_model=VariantList)
def list_variants(db: DB, principal: ApiKeyDep, page: PageDep, track_id: uuid.UUID | None = None):
    if track_id is not None:
        service.get_track(db, organization_id=principal.organization_id, track_id=track_id)
    count, rows = service.list_variants(
        db, organization_id=principal.organization_id, limit=page.limit, offset=page.offset, track_id=track_id
    )
    return ok(count=count, limit=page.limit, offset=page.offset, variants=[variant_out(v) for v in rows])


@router.post("/v1/variant", tags=["variants"], operation_id="createVariant", response_model=VariantResponse)
def create_org_variant(body: TrackVariantCreate, db: DB, principal: ApiKeyDep):
    """Tonearm addition: add a transcode/preview recipe to the organization's ladder."""
    variant = service.add_org_variant(
        db, organization_id=principal.organization_id, index=body.index, variant_type_id=body.variant_type_id,
        settings=body.settings(), is_required=body.is_required,
    )
    db.commit()
    return ok(variant_id=variant.id, variant=variant_out(variant))


@router.delete("/v1/variant/{variant_id}", tags=["variants"],
               operation_id="deleteVariant", response_model=VariantDeleted)
def delete_variant(variant_id: uuid.UUID, db: DB, principal: ApiKeyDep, storage: StorageDep):
    """Tonearm addition: remove a recipe (org-wide or track-specific) and its files."""
    variant = service.get_variant(db, organization_id=principal.organization_id, variant_id=variant_id)
    out = variant_out(variant)
    keys = service.delete_variant(db, variant=variant)
    db.commit()
    for key in keys:
        storage.delete(key)
    return ok(variant_id=variant_id, deleted_variant=out)


@router.get("/v1/variant/{variant_id}", tags=["variants"], operation_id="getVariant", response_model=VariantResponse)
def get_variant(variant_id: uuid.UUID, db: DB, principal: ApiKeyDep):
    variant = service.get_variant(db, organization_id=principal.organization_id, variant_id=variant_id)
    return ok(variant_id=variant.id, variant=variant_out(variant))
