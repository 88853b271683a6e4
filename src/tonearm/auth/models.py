"""API keys: stored as an HMAC of the key, never in plaintext."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.db.base import Base, UTCDateTime, new_id, utcnow


class KeyType(StrEnum):
    API = "api"  # API Access: everything in its organization
    PLAYER = "player"  # opens play sessions (browsers)
    UPLOADER = "uploader"  # opens upload sessions
    SHARE = "share"  # one track, inline in a share URL


KEY_TYPES = tuple(KeyType)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    api_key_type_id: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200), default="")
    # First characters of the key, for people to recognise it in lists.
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    collection_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    track_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    creator_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    variants: Mapped[list | None] = mapped_column(JSON, nullable=True)
    is_downloadable: Mapped[bool] = mapped_column(Boolean, default=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SigningKey(Base):
    """A URL Signing key: the organization's own server signs delivery URLs with it (AudioDN's
    signed delivery). The secret is kept encrypted (keyring vault): verifying needs it back."""

    __tablename__ = "signing_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    secret_encrypted: Mapped[str] = mapped_column(String(400))
    collection_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    max_age_seconds: Mapped[int] = mapped_column(Integer, default=86400)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
