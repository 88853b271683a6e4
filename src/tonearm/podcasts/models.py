"""Podcast tables: a show per collection, an episode per track, transcripts, private-feed subscribers.

Every row hangs off a catalog object (cascade on delete), so deleting a collection or a track
removes its podcast side too."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.db.base import Base, JSONType, UTCDateTime, new_id, utcnow


class Show(Base):
    """The show fields of a collection (Apple's and the Podcast Index's channel tags)."""

    __tablename__ = "podcast_shows"

    collection_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    author: Mapped[str | None] = mapped_column(String(500), nullable=True)
    owner_name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    owner_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    language: Mapped[str] = mapped_column(String(35), default="en")
    categories: Mapped[list] = mapped_column(JSONType, default=list)  # [[category, subcategory|None], …]
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    show_type: Mapped[str] = mapped_column(String(16), default="episodic")
    link: Mapped[str | None] = mapped_column(Text, nullable=True)
    copyright: Mapped[str | None] = mapped_column(String(500), nullable=True)
    funding: Mapped[list] = mapped_column(JSONType, default=list)  # [{"url", "text"}]
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    enclosure_variant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    guid: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Episode(Base):
    """The episode fields of a track; a track without a row is an episode with defaults."""

    __tablename__ = "podcast_episodes"

    track_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    collection_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("collections.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)  # sanitised HTML
    pub_date: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    episode_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    season_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    episode_type: Mapped[str] = mapped_column(String(16), default="full")
    explicit: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    guid: Mapped[str] = mapped_column(String(500))
    link: Mapped[str | None] = mapped_column(Text, nullable=True)
    chapters: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    has_chapters: Mapped[bool] = mapped_column(Boolean, default=False)  # JSON null is not SQL NULL
    soundbites: Mapped[list] = mapped_column(JSONType, default=list)
    persons: Mapped[list] = mapped_column(JSONType, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Transcript(Base):
    """One transcript file of an episode, per language (SRT or WebVTT text)."""

    __tablename__ = "podcast_transcripts"
    __table_args__ = (UniqueConstraint("track_id", "language", name="uq_podcast_transcripts_track_language"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    track_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(35))
    format: Mapped[str] = mapped_column(String(8))  # "vtt" | "srt"
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscriber(Base):
    """A private feed's listener: a feed token (stored as its SHA-256) that opens one show."""

    __tablename__ = "podcast_subscribers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    collection_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("collections.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
