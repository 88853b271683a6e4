"""POST /v1/api_key: an API Access key mints player, uploader and share keys."""

from __future__ import annotations

from fastapi import APIRouter

from tonearm.auth import service
from tonearm.auth.deps import ApiKeyDep
from tonearm.catalog import service as catalog
from tonearm.catalog.models import Track
from tonearm.http.deps import DB, SettingsDep
from tonearm.http.envelope import ok
from tonearm.keys.schemas import ApiKeyCreate, api_key_out

router = APIRouter(tags=["keys"])


@router.post("/v1/api_key")
def create_api_key(body: ApiKeyCreate, db: DB, principal: ApiKeyDep, settings: SettingsDep):
    org = principal.organization_id
    if body.collection_id is not None:
        catalog.get_collection(db, organization_id=org, collection_id=body.collection_id)
    if body.creator_id is not None:
        catalog.get_creator(db, organization_id=org, creator_id=body.creator_id)
    if body.track_id is not None:
        track = db.get(Track, body.track_id)
        if track is None or track.organization_id != org:
            from tonearm.errors import NotFound

            raise NotFound("Track not found")
        if body.collection_id is not None and track.collection_id != body.collection_id:
            from tonearm.errors import Invalid

            raise Invalid("track_id is not in collection_id")
    key, plaintext = service.create_key(
        db,
        secret_key=settings.secret_key,
        organization_id=org,
        key_type=body.api_key_type_id,
        title=body.title,
        collection_id=body.collection_id,
        track_id=body.track_id,
        creator_id=body.creator_id,
        variants=body.variants,
        expires_at=body.expires_at,
    )
    db.commit()
    return ok(api_key=plaintext, api_key_id=key.id, key=api_key_out(key))
