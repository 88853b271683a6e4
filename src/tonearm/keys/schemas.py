"""Request bodies, response shapes and response models for API keys and URL Signing keys."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import Field, StrictStr, StringConstraints

from tonearm.auth.models import KeyType
from tonearm.http.inputs import Input
from tonearm.http.models import OkEnvelope, Out, Timestamp
from tonearm.wire import iso

Title = Annotated[str, StringConstraints(max_length=200, strict=True)]


class ApiKeyCreate(Input):
    title: Title
    api_key_type_id: Literal["api", "player", "uploader", "share"]  # "api" is refused with 403
    collection_id: uuid.UUID | None = None
    track_id: uuid.UUID | None = None
    creator_id: uuid.UUID | None = None
    variants: list[StrictStr] | None = None
    expires_at: dt.datetime | None = None


def api_key_out(key) -> dict:
    return {
        "id": key.id,
        "title": key.title,
        "api_key_type_id": key.api_key_type_id,
        "prefix": key.prefix,
        "organization_id": key.organization_id,
        "collection_id": key.collection_id,
        "track_id": key.track_id,
        "creator_id": key.creator_id,
        "variants": key.variants,
        "expires_at": iso(key.expires_at),
        "revoked_at": iso(key.revoked_at),
        "created_at": iso(key.created_at),
    }


class SigningKeyCreate(Input):
    title: Title = ""
    collection_id: uuid.UUID | None = None
    max_age_seconds: int | None = None


# ---------------------------------------------------------------- responses (documentation: http/models.py)


class ApiKey(Out):
    id: uuid.UUID
    title: str
    api_key_type_id: KeyType
    prefix: str = Field(description="The key's first characters, to recognise it")
    organization_id: uuid.UUID
    collection_id: uuid.UUID | None
    track_id: uuid.UUID | None
    creator_id: uuid.UUID | None
    variants: list[str] | None
    expires_at: Timestamp | None
    revoked_at: Timestamp | None
    created_at: Timestamp


class ApiKeyCreated(OkEnvelope):
    api_key: str = Field(description="The full key, shown in this answer only")
    api_key_id: uuid.UUID = Field(description="Tonearm addition")
    key: ApiKey = Field(description="Tonearm addition")


class SigningKey(Out):
    id: uuid.UUID
    title: str
    prefix: str
    collection_id: uuid.UUID | None = Field(description="Signatures are accepted for this collection's tracks only")
    max_age_seconds: int = Field(description="How long a signature stays valid after its `issued` time")
    created_at: Timestamp
    revoked_at: Timestamp | None


class SigningKeyCreated(OkEnvelope):
    signing_key_id: uuid.UUID
    signing_key: SigningKey
    secret: str = Field(description="The signing secret, shown in this answer only")


class SigningKeyList(OkEnvelope):
    count: int
    signing_keys: list[SigningKey]


class SigningKeyResponse(OkEnvelope):
    signing_key_id: uuid.UUID
    signing_key: SigningKey
