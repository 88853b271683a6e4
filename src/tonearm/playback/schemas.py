"""Play session request body and response models (seed: play-sessions)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StringConstraints

from tonearm.catalog.responses import ImageColor, StatusOut
from tonearm.catalog.states import TrackStatus
from tonearm.http.inputs import Input
from tonearm.http.models import HexColor, OkEnvelope, Out, Path, Timestamp, Url

VariantIndex = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", strict=True)]


class PlaySessionCreate(Input):
    variants: Annotated[list[VariantIndex], Field(max_length=20)] | None = None
    collection_id: uuid.UUID | None = None
    track_id: uuid.UUID | None = None
    playlist_id: uuid.UUID | None = None
    is_downloadable: StrictBool = False
    expires_in: StrictInt | StrictFloat | None = None
    organization_index: Annotated[str, StringConstraints(max_length=200, strict=True)] | None = None
    metadata: dict | None = None


# ---------------------------------------------------------------- responses (documentation: http/models.py)


class PlaySession(Out):
    id: uuid.UUID
    scope: Literal["collection", "track", "playlist"] = Field(description="Tonearm addition")
    collection_id: uuid.UUID | None = Field(description="Tonearm addition")
    track_id: uuid.UUID | None = Field(description="Tonearm addition")
    playlist_id: uuid.UUID | None = Field(description="Tonearm addition")
    creator_id: uuid.UUID | None
    organization_index: str | None
    metadata: dict[str, Any]
    variants: list[str]
    is_downloadable: bool
    expires_at: Timestamp


class PlaySessionTrack(Out):
    """An entry of a session's `tracks`, in play order (only uploaded, non-failed tracks)."""

    id: uuid.UUID
    index: str
    order: int
    duration: float | None
    file_name: str
    player_title: str | None
    player_subtitle: str | None
    player_color: HexColor | None
    player_color_light: HexColor | None
    player_color_dark: HexColor | None
    track_status_id: TrackStatus
    status: StatusOut


class PlayTrack(Out):
    """The track in a play payload (founding page: play sessions). `player_color` is the track's,
    else its collection's, else its organization's."""

    id: uuid.UUID
    index: str
    collection_id: uuid.UUID
    duration: float | None
    player_title: str | None
    player_subtitle: str | None
    player_color: HexColor | None
    player_color_light: HexColor | None
    player_color_dark: HexColor | None
    image_colors: list[ImageColor]
    file_name: str
    info: dict[str, Any]
    organization_index: str | None
    order: int
    metadata: dict[str, Any]
    is_dark: bool
    track_status_id: TrackStatus
    status: StatusOut
    creator_id: uuid.UUID | None
    is_cover_overridable: bool
    is_theme_overridable: bool


class CoverImageSize(Out):
    type: Literal["icon", "small", "regular", "large"]
    width: int | None
    height: int | None
    url: Url


class CoverImage(Out):
    """Signed URLs of the cover sizes that exist (the track's, or its collection's: see
    `is_cover_overridable`)."""

    icon: CoverImageSize = None
    small: CoverImageSize = None
    regular: CoverImageSize = None
    large: CoverImageSize = Field(None, description="Tonearm addition")


class Levels(Out):
    levels: list[float] = Field(description="Waveform peaks, 0–1")


class Loudness(Out):
    """Tonearm addition: EBU R128 measurement of the original."""

    integrated_lufs: float | None
    true_peak_dbtp: float | None
    loudness_range_lu: float | None
    target_lufs: float | None
    gain_db: float | None


class AlbumLoudness(Out):
    """Tonearm addition: loudness of a collection or playlist session's tracks together (EBU R128
    gated over all their blocks) and the one gain that plays them at the target as an album."""

    integrated_lufs: float
    true_peak_dbtp: float | None
    target_lufs: float
    gain_db: float | None
    tracks: int = Field(description="How many tracks were measured")


class PreviewWindow(Out):
    capture_start: float
    capture_end: float
    duration: float


class VariantIndex(Out):
    index: str


class PlayVariant(Out):
    """A file of the track, in the order of the session's `variants`, with a signed `url`."""

    id: uuid.UUID
    path: Path
    url: Url
    size: int | None
    content_type: str | None
    data: PreviewWindow | None = Field(description="A preview clip's window, else null")
    props: dict[str, Any] = Field(description="codec, bitrate and what the encoder reported")
    variant: VariantIndex
    fallback: bool = Field(None, description="Tonearm addition: present (true) when this is the original, "
                                             "offered while the variants are still being made")


class PlayTrackPayload(Out):
    cover_image: CoverImage | None
    track: PlayTrack
    levels: Levels | None
    loudness: Loudness | None = Field(description="Tonearm addition")
    normalization_gain_db: float | None = Field(description="Tonearm addition: gain to the loudness target")
    album_loudness: AlbumLoudness | None = Field(description="Tonearm addition: null for a track session")
    album_gain_db: float | None = Field(description="Tonearm addition: album_loudness.gain_db")
    variants: list[PlayVariant]


class FirstTrack(PlayTrackPayload):
    track_id: uuid.UUID


class PlaySessionResponse(OkEnvelope):
    play_session_id: uuid.UUID
    play_session: PlaySession
    tracks: list[PlaySessionTrack]
    album_loudness: AlbumLoudness | None = Field(description="Tonearm addition: null for a track session")
    first_track: FirstTrack | None = Field(description="The first track's payload, so a player renders "
                                                       "without a second call (null when there is none)")
    expires_at: Timestamp


class PlayTrackResponse(OkEnvelope, PlayTrackPayload):
    play_session_id: uuid.UUID
    track_id: uuid.UUID
    play_session: PlaySession


class Download(Out):
    variant: str
    url: Url
    expires_at: Timestamp


class DownloadResponse(OkEnvelope):
    play_session_id: uuid.UUID
    track_id: uuid.UUID
    download: Download


class PlayerEventsAccepted(OkEnvelope):
    """202: the events are buffered, not yet written."""

    accepted: int = Field(description="How many of the events were taken into the buffer (0: analytics off)")
