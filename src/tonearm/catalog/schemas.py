"""Request bodies (pydantic) and response shapes (plain dicts) for the catalog."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict, Field, StrictBool, StringConstraints, model_validator

from tonearm.catalog.colors import light_dark
from tonearm.catalog.states import TrackStatus
from tonearm.http.inputs import Input
from tonearm.wire import iso

HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=500, strict=True)]
FileName = Annotated[str, StringConstraints(min_length=1, max_length=1000, strict=True)]
Index = Annotated[str, StringConstraints(min_length=1, max_length=200, strict=True)]
Metadata = dict[str, Any]

# Track statuses (AudioDN track_status_id) and the openapi `status` enum they map to.
STATUS_MAP = {
    TrackStatus.INITIALIZED: "initializing",
    TrackStatus.PROCESSING: "processing",
    TrackStatus.FALLBACK: "processing",
    TrackStatus.FALLBACK_PROCESSING: "fallback_processing",
    TrackStatus.READY: "ready",
    TrackStatus.INCOMPLETE: "incomplete",
    TrackStatus.ERROR: "failed",
    TrackStatus.INIT_ERROR: "failed",
}


def _document_non_null(schema: dict, cls) -> None:
    # /openapi.json: a NON_NULL field may be left out but is not nullable (the validator below).
    for name in cls.NON_NULL:
        prop = schema.get("properties", {}).get(name, {})
        options = [o for o in prop.get("anyOf", ()) if o != {"type": "null"}]
        if len(options) == 1 and len(prop["anyOf"]) == 2:
            del prop["anyOf"]
            prop.update(options[0])
        if prop.get("default", 0) is None:
            del prop["default"]


class _In(Input):
    # Fields that may be omitted from a partial update but never set to null.
    NON_NULL: ClassVar[frozenset[str]] = frozenset(
        {"name", "title", "file_name", "order", "collection_id",
         "is_cover_overridable", "is_theme_overridable", "track_ids"}
    )
    model_config = ConfigDict(extra="ignore", json_schema_extra=_document_non_null)

    @model_validator(mode="after")
    def _no_nulls(self):
        nulls = sorted(f for f in self.model_fields_set if f in self.NON_NULL and getattr(self, f) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self


class ImageColorIn(_In):
    hex: HexColor
    area: float | None = None
    lightness: float | None = None
    saturation: float | None = None
    hue: float | None = None
    red: int | None = None
    green: int | None = None
    blue: int | None = None
    intensity: float | None = None
    active: StrictBool | None = None


class _ThemeFields(_In):
    theme: list[ImageColorIn] | None = None
    is_cover_overridable: StrictBool | None = None
    is_theme_overridable: StrictBool | None = None
    player_color: HexColor | None = None
    player_subtitle: Annotated[str, StringConstraints(max_length=500, strict=True)] | None = None


class OrganizationUpdate(_ThemeFields):
    name: Name | None = None
    webhook_url: Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://", strict=True)] | None = None
    webhook_url_file: Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://", strict=True)] | None = None


class CreatorCreate(_In):
    organization_index: Index
    metadata: Metadata | None = None


class CreatorUpdate(_In):
    NON_NULL: ClassVar[frozenset[str]] = frozenset({"organization_index"})

    organization_index: Index | None = None
    metadata: Metadata | None = None


class CollectionCreate(_ThemeFields):
    title: Name
    creator_id: uuid.UUID | None = None
    organization_index: Index | None = None
    metadata: Metadata | None = None


class CollectionUpdate(_ThemeFields):
    title: Name | None = None
    creator_id: uuid.UUID | None = None
    organization_index: Index | None = None
    metadata: Metadata | None = None


class TrackCreate(_In):
    collection_id: uuid.UUID
    file_name: FileName
    creator_id: uuid.UUID | None = None
    organization_index: Index | None = None
    metadata: Metadata | None = None
    is_cover_overridable: StrictBool | None = None
    is_theme_overridable: StrictBool | None = None
    player_title: Annotated[str, StringConstraints(max_length=500, strict=True)] | None = None
    player_subtitle: Annotated[str, StringConstraints(max_length=500, strict=True)] | None = None
    player_color: HexColor | None = None
    file_size: Annotated[int, Field(strict=True, ge=0)] | None = None


class TrackUpdate(_In):
    file_name: FileName | None = None
    collection_id: uuid.UUID | None = None
    creator_id: uuid.UUID | None = None
    organization_index: Index | None = None
    metadata: Metadata | None = None
    is_cover_overridable: StrictBool | None = None
    is_theme_overridable: StrictBool | None = None
    player_title: Annotated[str, StringConstraints(max_length=500, strict=True)] | None = None
    player_subtitle: Annotated[str, StringConstraints(max_length=500, strict=True)] | None = None
    player_color: HexColor | None = None
    order: Annotated[int, Field(strict=True, ge=0, le=10_000_000)] | None = None


class PlaylistCreate(_In):
    title: Name
    creator_id: uuid.UUID | None = None
    organization_index: Index | None = None
    metadata: Metadata | None = None
    track_ids: Annotated[list[uuid.UUID], Field(max_length=10_000)] | None = None


class PlaylistUpdate(_In):
    title: Name | None = None
    creator_id: uuid.UUID | None = None
    organization_index: Index | None = None
    metadata: Metadata | None = None
    track_ids: Annotated[list[uuid.UUID], Field(max_length=10_000)] | None = None


class PlaylistTracksAdd(_In):
    track_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=10_000)]
    position: Annotated[int, Field(strict=True, ge=0)] | None = None



# ---------------------------------------------------------------- responses


def _theme(obj) -> dict:
    light, dark = light_dark(obj.player_color)
    return {
        "theme": obj.theme or [],
        "is_cover_overridable": obj.is_cover_overridable,
        "is_theme_overridable": obj.is_theme_overridable,
        "player_color": obj.player_color,
        "player_color_light": light,
        "player_color_dark": dark,
        "player_subtitle": obj.player_subtitle,
    }


def organization_out(org) -> dict:
    return {
        "id": org.id,
        "name": org.name,
        **_theme(org),
        "webhook_url": org.webhook_url,
        "webhook_url_file": org.webhook_url_file,
        "webhook_secret": org.webhook_secret,
        "created_at": iso(org.created_at),
        "updated_at": iso(org.updated_at),
    }


def creator_out(creator) -> dict:
    return {
        "id": creator.id,
        "organization_id": creator.organization_id,
        "folder_id": creator.folder_id,
        "organization_index": creator.organization_index,
        "metadata": creator.metadata_ or {},
        "created_at": iso(creator.created_at),
        "updated_at": iso(creator.updated_at),
    }


def collection_out(col, *, track_count: int | None = None) -> dict:
    out = {
        "id": col.id,
        "organization_id": col.organization_id,
        "creator_id": col.creator_id,
        "title": col.title,
        "organization_index": col.organization_index,
        "metadata": col.metadata_ or {},
        **_theme(col),
        "has_cover": col.cover_key is not None,
        "created_at": iso(col.created_at),
        "updated_at": iso(col.updated_at),
    }
    if track_count is not None:
        out["track_count"] = track_count
    return out


def track_out(track, public_url: str) -> dict:
    light, dark = light_dark(track.player_color)
    base_path = f"/d/{track.index}"
    return {
        "id": track.id,
        "index": track.index,
        "organization_id": track.organization_id,
        "collection_id": track.collection_id,
        "creator_id": track.creator_id,
        "upload_session_id": track.upload_session_id,
        "track_status_id": track.track_status_id,
        "status": STATUS_MAP.get(track.track_status_id, track.track_status_id),
        "status_text": track.status_text,
        "file_name": track.file_name,
        "file_name_original": track.file_name_original,
        "organization_index": track.organization_index,
        "metadata": track.metadata_ or {},
        "is_cover_overridable": track.is_cover_overridable,
        "is_theme_overridable": track.is_theme_overridable,
        "player_title": track.player_title,
        "player_subtitle": track.player_subtitle,
        "player_color": track.player_color,
        "player_color_light": light,
        "player_color_dark": dark,
        "image_colors": track.image_colors or [],
        "is_dark": track.is_dark,
        "duration": track.duration,
        "size": track.size,
        "format": track.format,
        "info": track.info or {},
        "order": track.order,
        "path": base_path,
        "base_path": base_path,
        "base_url": public_url + base_path,
        "files_completed_at": iso(track.files_completed_at),
        "created_at": iso(track.created_at),
        "updated_at": iso(track.updated_at),
    }


def variant_out(variant) -> dict:
    s = variant.settings or {}
    return {
        "id": variant.id,
        "index": variant.index,
        "name": variant.name or variant.index,
        "type": variant.variant_type_id,
        "variant_type_id": variant.variant_type_id,
        "format": s.get("codec") or s.get("format"),
        "bitrate": s.get("bitrate"),
        "track_id": variant.track_id,
        "is_default": variant.is_default,
        "is_required": variant.is_required is not False,
        "settings": s,
        "created_at": iso(variant.created_at),
    }


def playlist_out(pl, track_ids: list) -> dict:
    return {
        "id": pl.id,
        "organization_id": pl.organization_id,
        "creator_id": pl.creator_id,
        "title": pl.title,
        "organization_index": pl.organization_index,
        "metadata": pl.metadata_ or {},
        "track_ids": track_ids,
        "track_count": len(track_ids),
        "created_at": iso(pl.created_at),
        "updated_at": iso(pl.updated_at),
    }
