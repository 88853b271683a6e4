"""Request/response shapes for API keys."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import StrictStr, StringConstraints

from tonearm.http.inputs import Input
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
