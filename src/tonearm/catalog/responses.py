"""Response models of the catalog routes (documentation of `schemas.*_out`; see http/models.py).

Names and types follow AudioDN's OpenAPI components (Organization, Creator, Collection, Track,
Variant, ImageColor); fields Tonearm adds are described as such."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from tonearm.catalog.states import TrackStatus
from tonearm.delivery.handles import UploadHandle
from tonearm.http.models import HexColor, Json, OkEnvelope, Out, Page, Path, Timestamp, Url

DERIVED = "Derived, read-only: player_color adjusted to stay legible on a {} background."
# AudioDN's coarse `status` (catalog.schemas.STATUS_MAP): error and init_error are both `failed`.
StatusOut = Literal["initializing", "processing", "fallback_processing", "ready", "incomplete", "failed"]


class ImageColor(Out):
    """A colour of a cover's palette (or of a theme given by the caller: then only what it sent)."""

    hex: HexColor
    area: float = None
    lightness: float = None
    saturation: float = None
    hue: float = Field(None, description="Tonearm addition: degrees, 0–360")
    red: int = Field(None, description="Tonearm addition")
    green: int = Field(None, description="Tonearm addition")
    blue: int = Field(None, description="Tonearm addition")
    intensity: float = Field(None, description="Tonearm addition: relative luminance, 0–1")
    active: bool = Field(None, description="Tonearm addition")


class _Themed(Out):
    theme: list[ImageColor]
    is_cover_overridable: bool = Field(description="Collections: whether a track's own cover may replace the "
                                       "collection's cover in play payloads (false: the collection's cover is shown)")
    is_theme_overridable: bool
    player_color: HexColor | None
    player_color_light: HexColor | None = Field(description=DERIVED.format("light"))
    player_color_dark: HexColor | None = Field(description=DERIVED.format("dark"))
    player_subtitle: str | None


class Organization(_Themed):
    id: uuid.UUID
    name: str
    webhook_url: str | None = Field(description="Track Processing webhook receiver")
    webhook_url_file: str | None = Field(description="Track File webhook receiver")
    webhook_secret: str | None = Field(description="Tonearm addition: the key of the webhook signatures")
    created_at: Timestamp
    updated_at: Timestamp


class Creator(Out):
    id: uuid.UUID
    organization_id: uuid.UUID
    folder_id: uuid.UUID
    organization_index: str
    metadata: Json
    created_at: Timestamp
    updated_at: Timestamp


class Collection(_Themed):
    id: uuid.UUID
    organization_id: uuid.UUID
    creator_id: uuid.UUID | None
    title: str
    organization_index: str | None
    metadata: Json
    has_cover: bool = Field(description="Tonearm addition: a collection cover was uploaded")
    track_count: int = Field(None, description="Tonearm addition, in GET /v1/collection/{id} only")
    created_at: Timestamp
    updated_at: Timestamp


class Track(Out):
    id: uuid.UUID
    index: str = Field(description="Short public name used in delivery paths")
    organization_id: uuid.UUID
    collection_id: uuid.UUID
    creator_id: uuid.UUID | None
    upload_session_id: uuid.UUID | None
    track_status_id: TrackStatus
    status: StatusOut = Field(description="AudioDN's coarse status (error and init_error are both `failed`; "
                                          "track_status_id has the exact one)")
    status_text: str | None
    file_name: str
    file_name_original: str | None
    organization_index: str | None
    metadata: Json
    is_cover_overridable: bool
    is_theme_overridable: bool
    player_title: str | None
    player_subtitle: str | None
    player_color: HexColor | None
    player_color_light: HexColor | None = Field(description=DERIVED.format("light"))
    player_color_dark: HexColor | None = Field(description=DERIVED.format("dark"))
    image_colors: list[ImageColor]
    is_dark: bool
    duration: float | None
    size: int | None
    format: Json | None
    info: Json
    order: int
    path: Path = Field(description="Same as base_path")
    base_path: Path = Field(description="Durable delivery prefix: variant files are {base_path}_{index}.{ext}")
    base_url: Url
    files_completed_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class CreatedTrack(Track):
    upload_url: Url = Field(description="Same as track_upload.upload_url")


class PlaylistTrackItem(Track):
    position: int = Field(description="Place in the playlist, from 0")


class Variant(Out):
    id: uuid.UUID
    index: str = Field(description="Delivery name (`hq`, `lq`, `preview`…)")
    name: str
    type: str = Field(description="Variant kind (transcode, preview, levels, waveform_image, original, cover…)")
    variant_type_id: str
    format: str | None = Field(description="Codec or file format")
    bitrate: int | None
    track_id: uuid.UUID | None = Field(description="Set for a track-specific variant")
    is_default: bool
    is_required: bool = Field(description="Tonearm addition: false for an optional variant (the track is `ready` "
                                          "without it; `files_completed_at` is stamped when it is done)")
    settings: Json
    created_at: Timestamp


class Playlist(Out):
    id: uuid.UUID
    organization_id: uuid.UUID
    creator_id: uuid.UUID | None
    title: str
    organization_index: str | None
    metadata: Json
    track_ids: list[uuid.UUID]
    track_count: int
    created_at: Timestamp
    updated_at: Timestamp


# ------------------------------------------------------------ operation answers


class OrganizationResponse(OkEnvelope):
    organization_id: uuid.UUID
    organization: Organization


class CreatorList(Page):
    creators: list[Creator]


class CreatorResponse(OkEnvelope):
    creator_id: uuid.UUID
    creator: Creator


class CreatorDeleted(OkEnvelope):
    creator_id: uuid.UUID
    deleted_creator: Creator


class CollectionList(Page):
    collections: list[Collection]


class CollectionResponse(OkEnvelope):
    collection_id: uuid.UUID
    collection: Collection


class CollectionWithCoverUpload(CollectionResponse):
    collection_cover_upload: UploadHandle


class CollectionDeleted(OkEnvelope):
    collection_id: uuid.UUID
    deleted_collection: Collection


class CollectionTrackList(Page):
    collection_id: uuid.UUID
    tracks: list[Track]


class TrackCreated(OkEnvelope):
    track_id: uuid.UUID
    track: CreatedTrack
    track_upload: UploadHandle
    track_cover_upload: UploadHandle


class TrackResponse(OkEnvelope):
    track_id: uuid.UUID
    track: Track


class TrackWithCoverUpload(TrackResponse):
    track_cover_upload: UploadHandle


class TrackReprocessed(TrackResponse):
    job_id: uuid.UUID | None


class TrackDeleted(OkEnvelope):
    track_id: uuid.UUID
    deleted_track: Track


class VariantAdded(OkEnvelope):
    track_id: uuid.UUID
    variant_id: uuid.UUID
    job_id: uuid.UUID | None = Field(description="The queued processing job (null if the queue was unavailable: "
                                                  "the reaper queues it later)")
    variant: Variant


class VariantList(Page):
    variants: list[Variant]


class VariantResponse(OkEnvelope):
    variant_id: uuid.UUID
    variant: Variant


class VariantDeleted(OkEnvelope):
    variant_id: uuid.UUID
    deleted_variant: Variant


class PlaylistList(Page):
    playlists: list[Playlist]


class PlaylistResponse(OkEnvelope):
    playlist_id: uuid.UUID
    playlist: Playlist


class PlaylistDeleted(OkEnvelope):
    playlist_id: uuid.UUID
    deleted_playlist: Playlist


class PlaylistTrackList(Page):
    playlist_id: uuid.UUID
    tracks: list[PlaylistTrackItem]
