"""Organization, creators, collections, tracks, variants, track files and playlists."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.catalog.states import TrackStatus, UploadState
from tonearm.db.base import Base, JSONType, UTCDateTime, new_id, utcnow


class _Stamped:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class _Themed:
    theme: Mapped[list | None] = mapped_column(JSONType, nullable=True)
    is_cover_overridable: Mapped[bool] = mapped_column(Boolean, default=True)
    is_theme_overridable: Mapped[bool] = mapped_column(Boolean, default=True)
    player_color: Mapped[str | None] = mapped_column(String(7), nullable=True)
    player_subtitle: Mapped[str | None] = mapped_column(String(500), nullable=True)


class Organization(_Stamped, _Themed, Base):
    __tablename__ = "organizations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), default="")
    webhook_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    webhook_url_file: Mapped[str | None] = mapped_column(Text, nullable=True)
    webhook_secret: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Creator(_Stamped, Base):
    __tablename__ = "creators"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    folder_id: Mapped[uuid.UUID] = mapped_column(Uuid, default=new_id)
    organization_index: Mapped[str] = mapped_column(String(200))
    metadata_: Mapped[dict | None] = mapped_column("metadata", JSONType, nullable=True)


class Collection(_Stamped, _Themed, Base):
    __tablename__ = "collections"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    creator_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("creators.id", ondelete="SET NULL"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(500))
    organization_index: Mapped[str | None] = mapped_column(String(200), nullable=True)
    metadata_: Mapped[dict | None] = mapped_column("metadata", JSONType, nullable=True)
    cover_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    cover_sizes: Mapped[dict | None] = mapped_column(JSONType, nullable=True)


class Track(_Stamped, Base):
    __tablename__ = "tracks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # Short public name used in delivery paths (base_path).
    index: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    collection_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("collections.id", ondelete="CASCADE"), index=True
    )
    creator_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("creators.id", ondelete="SET NULL"), nullable=True, index=True
    )
    upload_session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    track_status_id: Mapped[str] = mapped_column(String(24), default=TrackStatus.INITIALIZED.value, index=True)
    status_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    order: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str] = mapped_column(String(500))
    file_name_original: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    organization_index: Mapped[str | None] = mapped_column(String(200), nullable=True)
    metadata_: Mapped[dict | None] = mapped_column("metadata", JSONType, nullable=True)
    is_cover_overridable: Mapped[bool] = mapped_column(Boolean, default=True)
    is_theme_overridable: Mapped[bool] = mapped_column(Boolean, default=True)
    player_title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    player_subtitle: Mapped[str | None] = mapped_column(String(500), nullable=True)
    player_color: Mapped[str | None] = mapped_column(String(7), nullable=True)
    image_colors: Mapped[list | None] = mapped_column(JSONType, nullable=True)
    is_dark: Mapped[bool] = mapped_column(Boolean, default=False)
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    format: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    info: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    # 400 ms gating blocks as a loudness histogram (tonearm.media.album): album loudness
    loudness_blocks: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    # Upload state machine for the single-use upload URL: pending → receiving → stored.
    upload_state: Mapped[str] = mapped_column(String(16), default=UploadState.PENDING.value)
    upload_max_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Last time bytes arrived for a `receiving` upload: a claim with no progress for a while is
    # released (uploads.sweep), so an upload cut off by a crash gets its URL back.
    upload_progress_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    original_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    original_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cover_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    cover_sizes: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    files_completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Job lease (processing issue): the database is the truth, the queue a hint.
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Infrastructure faults (storage, database) are retried until a deadline: since when, how often.
    fault_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fault_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped whenever the wanted set of variants changes (a variant added, a reprocess): a run
    # settles the status only if it is unchanged since the run read it, else it goes on.
    plan_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Variant(_Stamped, Base):
    """A recipe: organization-wide (track_id NULL) or track-specific."""

    __tablename__ = "variants"
    __table_args__ = (UniqueConstraint("organization_id", "track_id", "index", name="uq_variants_org_track_index"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    track_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("tracks.id", ondelete="CASCADE"), nullable=True, index=True
    )
    index: Mapped[str] = mapped_column(String(64))
    variant_type_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200), default="")
    settings: Mapped[dict] = mapped_column(JSONType, default=dict)
    is_default: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Required variants make the track `ready`; optional ones are made after it (files_completed_at).
    is_required: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class TrackFile(Base):
    """The output of applying a variant to a track: one stored, deliverable file."""

    __tablename__ = "track_files"
    __table_args__ = (UniqueConstraint("track_id", "variant_id", name="uq_track_files_track_variant"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    track_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("variants.id", ondelete="CASCADE"))
    variant_index: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(400))
    storage_key: Mapped[str | None] = mapped_column(String(400), nullable=True)
    file_name: Mapped[str] = mapped_column(String(500), default="")
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    is_success: Mapped[bool] = mapped_column(Boolean, default=True)
    status_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    props: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Playlist(_Stamped, Base):
    __tablename__ = "playlists"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    creator_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("creators.id", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(500))
    organization_index: Mapped[str | None] = mapped_column(String(200), nullable=True)
    metadata_: Mapped[dict | None] = mapped_column("metadata", JSONType, nullable=True)


class PlaylistTrack(Base):
    __tablename__ = "playlist_tracks"

    playlist_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    track_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
