"""Organization, creators and collections over HTTP (thin: parse, call the service, commit, shape)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from tonearm.auth.deps import ApiKeyDep
from tonearm.catalog import service
from tonearm.catalog.events import CollectionEvent
from tonearm.catalog.responses import (
    CollectionDeleted,
    CollectionList,
    CollectionResponse,
    CollectionTrackList,
    CollectionWithCoverUpload,
    CreatorDeleted,
    CreatorList,
    CreatorResponse,
    OrganizationResponse,
)
from tonearm.catalog.schemas import (
    CollectionCreate,
    CollectionUpdate,
    CreatorCreate,
    CreatorUpdate,
    OrganizationUpdate,
    collection_out,
    creator_out,
    organization_out,
    track_out,
)
from tonearm.catalog.tracks import list_collection_tracks, purge_objects_for_collection
from tonearm.delivery.handles import collection_cover_handle
from tonearm.http.deps import DB, RuntimeDep, SettingsDep, StorageDep
from tonearm.http.envelope import ok
from tonearm.http.params import PageDep

router = APIRouter()


def _changes(body) -> dict:
    changes = body.model_dump(exclude_unset=True)
    if "theme" in changes and changes["theme"] is not None:
        changes["theme"] = [c.model_dump(exclude_none=True) for c in body.theme]
    return changes


# ------------------------------------------------------------ organization


@router.get("/v1/organization/{organization_id}", tags=["organization"],
            operation_id="getOrganization", response_model=OrganizationResponse)
def get_organization(organization_id: uuid.UUID, db: DB, principal: ApiKeyDep):
    org = service.get_organization(db, organization_id=organization_id, caller_org=principal.organization_id)
    return ok(organization_id=org.id, organization=organization_out(org))


@router.put("/v1/organization/{organization_id}", tags=["organization"],
            operation_id="updateOrganization", response_model=OrganizationResponse)
def update_organization(organization_id: uuid.UUID, body: OrganizationUpdate, db: DB, principal: ApiKeyDep):
    org = service.get_organization(db, organization_id=organization_id, caller_org=principal.organization_id)
    service.update_organization(db, org=org, changes=_changes(body))
    db.commit()
    return ok(organization_id=org.id, organization=organization_out(org))


# ---------------------------------------------------------------- creators


@router.get("/v1/creator", tags=["creators"], operation_id="listCreators", response_model=CreatorList)
def list_creators(db: DB, principal: ApiKeyDep, page: PageDep):
    count, rows = service.list_creators(db, organization_id=principal.organization_id, limit=page.limit, offset=page.offset)
    return ok(count=count, limit=page.limit, offset=page.offset, creators=[creator_out(c) for c in rows])


@router.post("/v1/creator", tags=["creators"], operation_id="createCreator", response_model=CreatorResponse)
def create_creator(body: CreatorCreate, db: DB, principal: ApiKeyDep):
    creator = service.create_creator(
        db, organization_id=principal.organization_id, organization_index=body.organization_index, metadata=body.metadata
    )
    db.commit()
    return ok(creator_id=creator.id, creator=creator_out(creator))


@router.get("/v1/creator/{creator_id}", tags=["creators"], operation_id="getCreator", response_model=CreatorResponse)
def get_creator(creator_id: uuid.UUID, db: DB, principal: ApiKeyDep):
    creator = service.get_creator(db, organization_id=principal.organization_id, creator_id=creator_id)
    return ok(creator_id=creator.id, creator=creator_out(creator))


@router.put("/v1/creator/{creator_id}", tags=["creators"],
            operation_id="updateCreator", response_model=CreatorResponse)
def update_creator(creator_id: uuid.UUID, body: CreatorUpdate, db: DB, principal: ApiKeyDep):
    creator = service.get_creator(db, organization_id=principal.organization_id, creator_id=creator_id)
    service.update_creator(db, creator=creator, changes=body.model_dump(exclude_unset=True))
    db.commit()
    return ok(creator_id=creator.id, creator=creator_out(creator))


@router.delete("/v1/creator/{creator_id}", tags=["creators"],
               operation_id="deleteCreator", response_model=CreatorDeleted)
def delete_creator(creator_id: uuid.UUID, db: DB, principal: ApiKeyDep):
    creator = service.get_creator(db, organization_id=principal.organization_id, creator_id=creator_id)
    out = creator_out(creator)
    service.delete_creator(db, creator=creator)
    db.commit()
    return ok(creator_id=creator_id, deleted_creator=out)


# ------------------------------------------------------------- collections


@router.get("/v1/collection", tags=["collections"], operation_id="listCollections", response_model=CollectionList)
def list_collections(db: DB, principal: ApiKeyDep, page: PageDep):
    count, rows = service.list_collections(
        db, organization_id=principal.organization_id, limit=page.limit, offset=page.offset
    )
    return ok(count=count, limit=page.limit, offset=page.offset, collections=[collection_out(c) for c in rows])


@router.post("/v1/collection", tags=["collections"],
             operation_id="createCollection", response_model=CollectionWithCoverUpload)
def create_collection(body: CollectionCreate, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    col = service.create_collection(db, organization_id=principal.organization_id, fields=_changes(body))
    jobs = rt.emit(db, CollectionEvent.CREATED, col)  # Collection Sync webhook rows, in this transaction
    db.commit()
    rt.enqueue_all(jobs)
    return ok(
        collection_id=col.id,
        collection=collection_out(col),
        collection_cover_upload=collection_cover_handle(rt, col),
    )


@router.get("/v1/collection/{collection_id}", tags=["collections"],
            operation_id="getCollection", response_model=CollectionResponse)
def get_collection(collection_id: uuid.UUID, db: DB, principal: ApiKeyDep):
    col = service.get_collection(db, organization_id=principal.organization_id, collection_id=collection_id)
    return ok(collection_id=col.id, collection=collection_out(col, track_count=service.count_tracks(db, collection_id=col.id)))


@router.put("/v1/collection/{collection_id}", tags=["collections"],
            operation_id="updateCollection", response_model=CollectionResponse)
def update_collection(collection_id: uuid.UUID, body: CollectionUpdate, db: DB, principal: ApiKeyDep,
                      rt: RuntimeDep):
    col = service.get_collection(db, organization_id=principal.organization_id, collection_id=collection_id)
    before = collection_out(col)
    service.update_collection(db, col=col, changes=_changes(body))
    jobs = rt.emit(db, CollectionEvent.UPDATED, col, before=before)
    db.commit()
    rt.enqueue_all(jobs)
    return ok(collection_id=col.id, collection=collection_out(col))


@router.delete("/v1/collection/{collection_id}", tags=["collections"],
               operation_id="deleteCollection", response_model=CollectionDeleted)
def delete_collection(collection_id: uuid.UUID, db: DB, principal: ApiKeyDep, storage: StorageDep,
                      rt: RuntimeDep):
    col = service.get_collection(db, organization_id=principal.organization_id, collection_id=collection_id)
    out = collection_out(col)
    keys = purge_objects_for_collection(db, collection=col)
    jobs = rt.emit(db, CollectionEvent.DELETED, col)
    service.delete_collection(db, col=col)
    db.commit()
    rt.enqueue_all(jobs)
    for key in keys:
        storage.delete(key)
    return ok(collection_id=collection_id, deleted_collection=out)


@router.get("/v1/collection/{collection_id}/track", tags=["collections"],
            operation_id="listCollectionTracks", response_model=CollectionTrackList)
def list_tracks_in_collection(collection_id: uuid.UUID, db: DB, principal: ApiKeyDep, page: PageDep, settings: SettingsDep):
    col = service.get_collection(db, organization_id=principal.organization_id, collection_id=collection_id)
    count, rows = list_collection_tracks(db, collection_id=col.id, limit=page.limit, offset=page.offset)
    return ok(
        collection_id=col.id,
        count=count,
        limit=page.limit,
        offset=page.offset,
        tracks=[track_out(t, settings.public_url) for t in rows],
    )


@router.post("/v1/collection/{collection_id}/cover", tags=["collections"],
             operation_id="createCollectionCover", response_model=CollectionWithCoverUpload)
def create_collection_cover(collection_id: uuid.UUID, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    col = service.get_collection(db, organization_id=principal.organization_id, collection_id=collection_id)
    return ok(collection_id=col.id, collection=collection_out(col),
              collection_cover_upload=collection_cover_handle(rt, col))
