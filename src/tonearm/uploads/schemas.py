"""Upload session request bodies (seed: upload-sessions)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import Field, StrictFloat, StrictInt, StringConstraints

from tonearm.catalog.schemas import HexColor
from tonearm.http.inputs import Input
from tonearm.wire import iso

FileName = Annotated[str, StringConstraints(min_length=1, max_length=1000, strict=True)]
OrgIndex = Annotated[str, StringConstraints(min_length=1, max_length=200, strict=True)]


class InlineTrack(Input):
    file_name: FileName
    player_color: HexColor | None = None
    player_title: Annotated[str, StringConstraints(max_length=500, strict=True)] | None = None
    player_subtitle: Annotated[str, StringConstraints(max_length=500, strict=True)] | None = None
    organization_index: OrgIndex | None = None
    metadata: dict[str, Any] | None = None
    file_size: Annotated[int, Field(strict=True, ge=0)] | None = None


class UploadSessionCreate(Input):
    collection_id: uuid.UUID | None = None
    creator_id: uuid.UUID | None = None
    organization_index: OrgIndex | None = None
    metadata: dict[str, Any] | None = None
    expires_in: StrictInt | StrictFloat | None = None
    track: InlineTrack | None = None


class SessionTrackCreate(InlineTrack):
    pass


def upload_session_out(s) -> dict:
    return {
        "id": s.id,
        "creator_id": s.creator_id,
        "collection_id": s.collection_id,
        "organization_index": s.organization_index,
        "metadata": s.metadata_ or {},
        "expires_at": iso(s.expires_at),
    }
