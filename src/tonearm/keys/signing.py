"""URL Signing keys (AudioDN's signed delivery): mint (secret shown once), list, revoke, and check
a delivery URL an organization's own server signed: `verify=<issued>-<b64url HMAC-SHA256(secret,
pathname + search + issued)>` appended last, valid for the key's max age from `issued`."""

from __future__ import annotations

import secrets
import time
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from tonearm.auth.models import SigningKey
from tonearm.db.base import utcnow
from tonearm.delivery.signing import MAX_CLOCK_SKEW, verify_path
from tonearm.errors import Forbidden, Invalid, NotFound
from tonearm.keyring import Keyring

PREFIX = "tnmsig_"
DEFAULT_MAX_AGE = 86400
MAX_MAX_AGE = 30 * 86400


def create(db: Session, *, keyring: Keyring, organization_id: uuid.UUID, title: str,
           collection_id: uuid.UUID | None, max_age_seconds: int | None) -> tuple[SigningKey, str]:
    max_age = DEFAULT_MAX_AGE if max_age_seconds is None else max_age_seconds
    if not 60 <= max_age <= MAX_MAX_AGE:
        raise Invalid(f"max_age_seconds must be between 60 and {MAX_MAX_AGE}")
    secret = PREFIX + secrets.token_urlsafe(32)
    key = SigningKey(id=uuid.uuid4(), organization_id=organization_id, title=title, prefix=secret[:12],
                     secret_encrypted=keyring.vault().encrypt(secret.encode()).decode(),
                     collection_id=collection_id, max_age_seconds=max_age)
    db.add(key)
    db.flush()
    return key, secret


def listed(db: Session, *, organization_id: uuid.UUID) -> list[SigningKey]:
    return list(db.scalars(select(SigningKey).where(SigningKey.organization_id == organization_id)
                           .order_by(SigningKey.created_at)))


def revoke(db: Session, *, organization_id: uuid.UUID, key_id: uuid.UUID) -> SigningKey:
    key = db.get(SigningKey, key_id)
    if key is None or key.organization_id != organization_id:
        raise NotFound("Signing key not found")
    key.revoked_at = key.revoked_at or utcnow()
    db.flush()
    return key


def out(key: SigningKey) -> dict:
    return {"id": key.id, "title": key.title, "prefix": key.prefix, "collection_id": key.collection_id,
            "max_age_seconds": key.max_age_seconds, "created_at": key.created_at, "revoked_at": key.revoked_at}


def _issued(raw_query: str) -> int | None:
    _, _, verify = raw_query.rpartition("verify=")
    issued, dash, _ = verify.partition("-")
    return int(issued) if dash and issued.isdigit() and len(issued) <= 12 else None


def check(db: Session, *, keyring: Keyring, organization_id: uuid.UUID, collection_id: uuid.UUID | None,
          path: str, raw_query: str, now: float | None = None) -> dict[str, str]:
    """The URL's parameters when an active signing key of the organization (scoped to this
    collection or to none) signed it within its max age; else Forbidden."""
    now = time.time() if now is None else now
    issued = _issued(raw_query)
    if issued is None:
        raise Forbidden("Malformed URL signature")
    if issued > now + MAX_CLOCK_SKEW:
        raise Forbidden("URL signature issued in the future")
    vault = keyring.vault()
    keys = db.scalars(select(SigningKey).where(SigningKey.organization_id == organization_id,
                                               SigningKey.revoked_at.is_(None)))
    for key in keys:
        if key.collection_id is not None and key.collection_id != collection_id:
            continue
        try:
            params = verify_path(vault.decrypt(key.secret_encrypted.encode()).decode(), path, raw_query, now=now)
        except Forbidden:
            continue
        if now - issued > key.max_age_seconds:
            raise Forbidden("This signed URL is older than its signing key's max age")
        return params
    raise Forbidden("Invalid URL signature")
