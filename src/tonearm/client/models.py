"""Typed views of the AudioDN v1 / Tonearm JSON shapes.

Every model keeps unknown fields (``extra="allow"``), so a newer server never breaks an older
client; ids are strings (UUIDs as the server prints them) and times are aware datetimes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

TERMINAL_STATUSES = frozenset({"ready", "incomplete", "error", "init_error"})
FAILED_STATUSES = frozenset({"error", "init_error"})


class Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Organization(Model):
    id: str
    name: str | None = None
    player_color: str | None = None
    player_subtitle: str | None = None
    theme: list[dict[str, Any]] = Field(default_factory=list)
    webhook_url: str | None = None
    webhook_url_file: str | None = None
    webhook_secret: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class Creator(Model):
    id: str
    organization_id: str | None = None
    organization_index: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class Collection(Model):
    id: str
    organization_id: str | None = None
    creator_id: str | None = None
    title: str | None = None
    organization_index: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    player_color: str | None = None
    has_cover: bool = False
    track_count: int | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class Track(Model):
    id: str
    index: str | None = None
    organization_id: str | None = None
    collection_id: str | None = None
    creator_id: str | None = None
    upload_session_id: str | None = None
    track_status_id: str | None = None
    status: str | None = None
    status_text: str | None = None
    file_name: str | None = None
    file_name_original: str | None = None
    organization_index: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    player_title: str | None = None
    player_subtitle: str | None = None
    player_color: str | None = None
    duration: float | None = None
    size: int | None = None
    format: Any = None  # probe facts: {"codec", "channels", "sample_rate", "bit_rate", …}
    info: dict[str, Any] = Field(default_factory=dict)
    order: int | None = None
    position: int | None = None  # in playlist track lists
    base_path: str | None = None
    base_url: str | None = None
    upload_url: str | None = None  # on freshly created tracks
    files_completed_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    @property
    def is_terminal(self) -> bool:
        return self.track_status_id in TERMINAL_STATUSES

    @property
    def is_failed(self) -> bool:
        return self.track_status_id in FAILED_STATUSES


class Variant(Model):
    id: str
    index: str
    name: str | None = None
    type: str | None = None
    variant_type_id: str | None = None
    format: Any = None
    bitrate: Any = None
    track_id: str | None = None
    is_default: bool | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    created_at: dt.datetime | None = None


class Playlist(Model):
    id: str
    organization_id: str | None = None
    creator_id: str | None = None
    title: str | None = None
    organization_index: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    track_ids: list[str] = Field(default_factory=list)
    track_count: int = 0
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class UploadHandle(Model):
    """A signed, expiring URL to send bytes to (``PUT`` audio, ``POST`` a cover)."""

    method: str
    upload_url: str
    ttl: int | None = None
    expires_at: dt.datetime | None = None


class ResumableHandle(Model):
    """Tonearm extension: a tus 1.0 creation URL for the track (docs/uploads.md)."""

    protocol: str = "tus"
    url: str
    expires_at: dt.datetime | None = None
    chunk_size: int = 16 * 1024 * 1024


class UploadSessionInfo(Model):
    id: str
    creator_id: str | None = None
    collection_id: str | None = None
    organization_index: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    expires_at: dt.datetime | None = None


class UploadSession(Model):
    upload_session_id: str
    upload_session: UploadSessionInfo
    player_color: str | None = None
    expires_at: dt.datetime | None = None
    # present when the session was created with a nested `track`
    track_id: str | None = None
    track: Track | None = None
    track_upload: UploadHandle | None = None
    track_cover_upload: UploadHandle | None = None
    track_upload_resumable: ResumableHandle | None = None


class TrackUpload(Model):
    """A track waiting for its bytes: `POST /v1/upload/{id}/track`, `POST /v1/track`."""

    track_id: str
    track: Track
    track_upload: UploadHandle
    track_cover_upload: UploadHandle | None = None
    upload_session_id: str | None = None
    track_upload_resumable: ResumableHandle | None = None  # upload sessions only


class UploadResult(Model):
    """The answer to the audio `PUT`."""

    track_id: str
    size: int
    sha256: str | None = None  # not known to Tonearm when the bytes went straight to S3
    track_status_id: str | None = None
    job_id: str | None = None


class PlayVariant(Model):
    id: str | None = None
    path: str | None = None
    url: str
    size: int | None = None
    content_type: str | None = None
    data: dict[str, Any] | None = None
    props: dict[str, Any] = Field(default_factory=dict)
    variant: dict[str, Any] = Field(default_factory=dict)

    @property
    def index(self) -> str | None:
        return self.variant.get("index")


class PlayTrack(Model):
    """The payload a player needs for one track (``first_track`` or ``GET /v1/play/{sid}/{tid}``)."""

    track_id: str
    track: dict[str, Any] = Field(default_factory=dict)
    cover_image: dict[str, Any] | None = None
    levels: dict[str, Any] | None = None
    loudness: dict[str, Any] | None = None
    normalization_gain_db: float | None = None
    variants: list[PlayVariant] = Field(default_factory=list)

    def variant(self, index: str) -> PlayVariant | None:
        return next((v for v in self.variants if v.index == index), None)


class PlaySessionInfo(Model):
    id: str
    scope: str | None = None
    collection_id: str | None = None
    track_id: str | None = None
    playlist_id: str | None = None
    variants: list[str] = Field(default_factory=list)
    is_downloadable: bool = False
    expires_at: dt.datetime | None = None


class PlayListEntry(Model):
    id: str
    index: str | None = None
    order: int | None = None
    duration: float | None = None
    file_name: str | None = None
    player_title: str | None = None


class PlaySession(Model):
    play_session_id: str
    play_session: PlaySessionInfo
    tracks: list[PlayListEntry] = Field(default_factory=list)
    first_track: PlayTrack | None = None
    expires_at: dt.datetime | None = None


class Download(Model):
    variant: str
    url: str
    expires_at: dt.datetime | None = None


class ApiKey(Model):
    """A freshly minted key: ``api_key`` is the plaintext, shown once."""

    api_key: str
    api_key_id: str
    key: dict[str, Any] = Field(default_factory=dict)


class Page(Model, Generic[T]):
    count: int
    limit: int
    offset: int
    items: list[T]
