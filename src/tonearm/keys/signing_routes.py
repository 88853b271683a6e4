"""URL Signing keys over HTTP (Tonearm's design in AudioDN's style; API Access key only):
POST /v1/signing_key (secret shown once), GET /v1/signing_key, DELETE /v1/signing_key/{id}."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from tonearm.auth.deps import ApiKeyDep
from tonearm.catalog import service as catalog
from tonearm.http.deps import DB, RuntimeDep
from tonearm.http.envelope import ok
from tonearm.keys import signing
from tonearm.keys.schemas import SigningKeyCreate, SigningKeyCreated, SigningKeyList, SigningKeyResponse

router = APIRouter(tags=["signing keys"])


@router.post("/v1/signing_key", operation_id="createSigningKey", response_model=SigningKeyCreated)
def create_signing_key(body: SigningKeyCreate, db: DB, principal: ApiKeyDep, rt: RuntimeDep):
    """Mint a URL Signing key. `secret` is in this answer only; sign delivery URLs with it."""
    if body.collection_id is not None:
        catalog.get_collection(db, organization_id=principal.organization_id, collection_id=body.collection_id)
    key, secret = signing.create(db, keyring=rt.keyring, organization_id=principal.organization_id,
                                 title=body.title, collection_id=body.collection_id,
                                 max_age_seconds=body.max_age_seconds)
    db.commit()
    return ok(signing_key_id=key.id, signing_key=signing.out(key), secret=secret)


@router.get("/v1/signing_key", operation_id="listSigningKeys", response_model=SigningKeyList)
def list_signing_keys(db: DB, principal: ApiKeyDep):
    keys = signing.listed(db, organization_id=principal.organization_id)
    return ok(count=len(keys), signing_keys=[signing.out(k) for k in keys])


@router.delete("/v1/signing_key/{signing_key_id}", operation_id="revokeSigningKey", response_model=SigningKeyResponse)
def revoke_signing_key(signing_key_id: uuid.UUID, db: DB, principal: ApiKeyDep):
    """Revoke at once: URLs it signed are refused from the next request on."""
    key = signing.revoke(db, organization_id=principal.organization_id, key_id=signing_key_id)
    db.commit()
    return ok(signing_key_id=key.id, signing_key=signing.out(key))
