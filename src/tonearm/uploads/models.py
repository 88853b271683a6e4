"""Upload sessions: short-lived capabilities to add tracks to one collection."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.db.base import Base, JSONType, UTCDateTime, new_id, utcnow


class UploadSession(Base):
    __tablename__ = "upload_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    collection_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("collections.id", ondelete="CASCADE"))
    creator_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    organization_index: Mapped[str | None] = mapped_column(String(200), nullable=True)
    metadata_: Mapped[dict | None] = mapped_column("metadata", JSONType, nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TusState(StrEnum):
    RECEIVING = "receiving"  # bytes are arriving (PATCH); the track is `receiving`, held by this upload
    COMPLETE = "complete"  # every byte arrived and the original is stored (the row answers HEADs until expiry)


class TusUpload(Base):
    """A tus 1.0 upload of one track's original (uploads/tus.py). `offset` is what the server has
    acknowledged: bytes fsynced to the staging file (local) or uploaded as S3 parts plus the fsynced
    local tail. The row holds the track in `receiving` until it completes, is terminated or expires."""

    __tablename__ = "tus_uploads"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    track_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)  # no FK: the sweeper cleans after deletions
    state: Mapped[str] = mapped_column(String(16), default=TusState.RECEIVING.value)
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    metadata_: Mapped[str | None] = mapped_column("metadata", String(4000), nullable=True)  # Upload-Metadata as sent
    # S3 mode: the multipart upload, its part size and how many full parts are in the bucket.
    s3_upload_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    part_size: Mapped[int] = mapped_column(BigInteger, default=0)
    parts_done: Mapped[int] = mapped_column(Integer, default=0)
    # One PATCH at a time: a request holds the upload until `busy_until` (renewed as bytes arrive).
    busy_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    busy_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
