"""Upload session request bodies and response models (seed: upload-sessions)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import Field, StrictFloat, StrictInt, StringConstraints

from tonearm.catalog.responses import CreatedTrack
from tonearm.catalog.schemas import HexColor
from tonearm.catalog.states import TrackStatus
from tonearm.delivery.handles import MultipartPart, ResumableHandle, UploadHandle
from tonearm.http.inputs import Input
from tonearm.http.models import OkEnvelope, Out, Timestamp, Url
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


# ---------------------------------------------------------------- responses (documentation: http/models.py)


class UploadSession(Out):
    id: uuid.UUID
    creator_id: uuid.UUID | None
    collection_id: uuid.UUID
    organization_index: str | None
    metadata: dict[str, Any]
    expires_at: Timestamp


class UploadSessionResponse(OkEnvelope):
    upload_session_id: uuid.UUID
    upload_session: UploadSession
    player_color: HexColor | None = Field(description="The collection's colour (else the organization's)")
    player_color_light: HexColor | None
    player_color_dark: HexColor | None
    expires_at: Timestamp


class UploadSessionCreated(UploadSessionResponse):
    """With a nested `track` in the request (Tonearm addition), the track and its upload handles too."""

    track_id: uuid.UUID = None
    track: CreatedTrack = None
    track_upload: UploadHandle = None
    track_upload_resumable: ResumableHandle = None
    track_cover_upload: UploadHandle = None


class SessionTrackCreated(OkEnvelope):
    upload_session_id: uuid.UUID
    upload_session: UploadSession
    track_id: uuid.UUID
    track: CreatedTrack
    track_upload: UploadHandle
    track_upload_resumable: ResumableHandle
    track_cover_upload: UploadHandle


class UploadTrackStatus(OkEnvelope):
    track_id: uuid.UUID
    track_status_id: TrackStatus
    status_text: str | None
    player_title: str | None
    duration: float | None
    file_name: str


class UploadReceived(OkEnvelope):
    """PUT of the audio bytes: stored, processing queued."""

    track_id: uuid.UUID
    size: int
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    track_status_id: TrackStatus
    job_id: uuid.UUID | None


class UploadCompleted(OkEnvelope):
    """S3 mode: the object was found in the bucket (idempotent)."""

    track_id: uuid.UUID
    size: int | None
    track_status_id: TrackStatus


class TrackCoverReceived(OkEnvelope):
    track_id: uuid.UUID


class CollectionCoverReceived(OkEnvelope):
    collection_id: uuid.UUID


class MultipartPlan(OkEnvelope):
    track_id: uuid.UUID
    upload_id: str
    part_size: int
    parts: list[MultipartPart]
    complete_url: Url
