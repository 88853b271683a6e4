"""POST /v1/api_key: an API Access key mints player, uploader and share keys; GET /v1/share/{key}
exchanges an inline share key for a freshly signed URL of its track's variant."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from starlette.responses import RedirectResponse

from tonearm.auth import service
from tonearm.auth.deps import ApiKeyDep
from tonearm.auth.models import KeyType
from tonearm.catalog import service as catalog
from tonearm.catalog.models import Track, TrackFile
from tonearm.errors import Forbidden, Invalid, NotFound, Unauthorized
from tonearm.http.deps import DB, RuntimeDep
from tonearm.http.envelope import ok
from tonearm.keys.schemas import ApiKeyCreate, ApiKeyCreated, api_key_out

router = APIRouter()


@router.post("/v1/api_key", tags=["keys"], operation_id="createApiKey", response_model=ApiKeyCreated)
def create_api_key(body: ApiKeyCreate, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    org = principal.organization_id
    if body.api_key_type_id == KeyType.API:  # AudioDN: API Access keys are made in its dashboard only
        raise Forbidden("API Access keys cannot be created through the API; use `tonearm keys create`")
    if body.collection_id is not None:
        catalog.get_collection(db, organization_id=org, collection_id=body.collection_id)
    if body.creator_id is not None:
        catalog.get_creator(db, organization_id=org, creator_id=body.creator_id)
    if body.track_id is not None:
        track = db.get(Track, body.track_id)
        if track is None or track.organization_id != org:
            raise NotFound("Track not found")
        if body.collection_id is not None and track.collection_id != body.collection_id:
            raise Invalid("track_id is not in collection_id")
    key, plaintext = service.create_key(
        db,
        keyring=rt.keyring,
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


@router.get("/v1/share/{share_key}", tags=["delivery", "share"],  # the tags it had under delivery/
            operation_id="getShare")
def share_redirect(share_key: str, db: DB, rt: RuntimeDep):
    """Inline share key: no Authorization header; the key in the path redirects to a fresh signed URL."""
    key = service.find_key(db, keyring=rt.keyring, plaintext=share_key)
    if key is None or key.api_key_type_id != KeyType.SHARE or key.revoked_at is not None:
        raise Unauthorized("Invalid share key")
    track = db.get(Track, key.track_id) if key.track_id else None
    if track is None or track.organization_id != key.organization_id:
        raise NotFound("The shared track no longer exists")
    index = (key.variants or ["hq"])[0]
    f = db.scalar(
        select(TrackFile).where(TrackFile.track_id == track.id, TrackFile.variant_index == index, TrackFile.is_success.is_(True))
    )
    if f is None:
        raise NotFound("The shared variant is not available yet")
    url = rt.signer.url_for(f.path, expires_in=3600)
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})


router.add_api_route("/v1/share/{share_key}", share_redirect, methods=["HEAD"], include_in_schema=False)
