"""API keys: create (show once), authenticate, and check type and scope."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tonearm.auth import hashing
from tonearm.auth.models import KEY_TYPES, ApiKey, KeyType
from tonearm.db.base import utcnow
from tonearm.errors import Forbidden, Invalid, Unauthorized
from tonearm.keyring import Keyring, Purpose


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a key row's relevant facts, detached from the session."""

    key_id: uuid.UUID
    organization_id: uuid.UUID
    key_type: str
    collection_id: uuid.UUID | None
    track_id: uuid.UUID | None
    creator_id: uuid.UUID | None
    variants: tuple[str, ...] | None
    is_downloadable: bool

    def require(self, *types: str) -> "Principal":
        if self.key_type not in types:
            allowed = " or ".join(types)
            raise Forbidden(f"This operation needs an {allowed} key; a {self.key_type} key was given")
        return self


def create_key(
    db: Session,
    *,
    keyring: Keyring,
    organization_id: uuid.UUID,
    key_type: str,
    title: str,
    collection_id: uuid.UUID | None = None,
    track_id: uuid.UUID | None = None,
    creator_id: uuid.UUID | None = None,
    variants: list[str] | None = None,
    expires_at: dt.datetime | None = None,
    is_downloadable: bool = True,
    plaintext: str | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the plaintext, which is never stored."""
    if key_type not in KEY_TYPES:
        raise Invalid(f"api_key_type_id must be one of {', '.join(KEY_TYPES)}")
    if track_id is not None and collection_id is None:
        raise Invalid("track_id requires collection_id")
    if key_type == KeyType.SHARE:
        if not variants or len(variants) != 1:
            raise Invalid("share keys need exactly one variant")
        if track_id is None:
            raise Invalid("share keys need track_id (and collection_id)")
        expires_at = None  # documented: ignored for share keys
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=dt.UTC)
    plaintext = plaintext or hashing.generate_key()
    key = ApiKey(
        id=uuid.uuid4(),
        organization_id=organization_id,
        api_key_type_id=key_type,
        title=title,
        prefix=hashing.display_prefix(plaintext),
        key_hash=hashing.digest(keyring.key(Purpose.API_KEY_PEPPER), plaintext),
        collection_id=collection_id,
        track_id=track_id,
        creator_id=creator_id,
        variants=list(variants) if variants else None,
        expires_at=expires_at,
        is_downloadable=is_downloadable,
    )
    db.add(key)
    db.flush()
    return key, plaintext


MAX_KEY_LENGTH = 200


def find_key(db: Session, *, keyring: Keyring, plaintext: str) -> ApiKey | None:
    """The key whose stored digest matches (constant-time compare); a digest stored under an older
    pepper (a previous secret, or before per-purpose subkeys) is stored again under the current one.
    Longer than any key Tonearm makes: None without hashing it."""
    if not plaintext or len(plaintext) > MAX_KEY_LENGTH:
        return None
    peppers = keyring.peppers()
    for n, pepper in enumerate(peppers):
        candidate = hashing.digest(pepper, plaintext)
        key = db.scalar(select(ApiKey).where(ApiKey.key_hash == candidate))
        if key is not None and hashing.matches(pepper, plaintext, key.key_hash):
            if n:
                key.key_hash = hashing.digest(peppers[0], plaintext)
                db.flush()
            return key
    return None


def authenticate(db: Session, *, keyring: Keyring, authorization: str | None) -> Principal:
    if not authorization:
        raise Unauthorized("Missing Authorization header (expected 'Bearer <API key>')")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Malformed Authorization header (expected 'Bearer <API key>')")
    key = find_key(db, keyring=keyring, plaintext=token)
    if key is None:
        raise Unauthorized("Invalid API key")
    if key.revoked_at is not None:
        raise Unauthorized("This API key has been revoked")
    if key.expires_at is not None and key.expires_at <= utcnow():
        raise Unauthorized("This API key has expired")
    return principal_of(key)


def principal_of(key: ApiKey) -> Principal:
    return Principal(
        key_id=key.id,
        organization_id=key.organization_id,
        key_type=key.api_key_type_id,
        collection_id=key.collection_id,
        track_id=key.track_id,
        creator_id=key.creator_id,
        variants=tuple(key.variants) if key.variants else None,
        is_downloadable=key.is_downloadable,
    )


def list_keys(db: Session, *, organization_id: uuid.UUID) -> list[ApiKey]:
    return list(db.scalars(select(ApiKey).where(ApiKey.organization_id == organization_id).order_by(ApiKey.created_at)))


def revoke_key(db: Session, *, key_id: uuid.UUID) -> ApiKey | None:
    key = db.get(ApiKey, key_id)
    if key is not None and key.revoked_at is None:
        key.revoked_at = utcnow()
        db.flush()
    return key
