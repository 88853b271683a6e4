"""Analytics tables: raw events (pruned after the retention), hourly rollups, daily salts.

Raw events never hold an address: `listener_key` and `network_key` are HMACs under the day's salt
(`listener.keyed`), and the salt row is deleted once its day is over (docs/analytics.md)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, SmallInteger, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from tonearm.db.base import Base, JSONType, UTCDateTime, utcnow


class PlayerEventKind(StrEnum):
    PLAY = "play"
    PROGRESS = "progress"
    COMPLETE = "complete"
    ERROR = "error"


class _Who:
    """Who listened, as far as Tonearm keeps it, and what they listened to."""

    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    collection_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    creator_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    track_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    play_session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    listener_key: Mapped[str] = mapped_column(String(32))
    app: Mapped[str] = mapped_column(String(64), default="")
    device: Mapped[str] = mapped_column(String(16), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)


class DeliveryEvent(_Who, Base):
    """One byte-serving request (`/d/…`, the podcast enclosure route) that reached a file."""

    __tablename__ = "analytics_deliveries"
    __table_args__ = (Index("ix_analytics_deliveries_ts", "ts"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ts: Mapped[int] = mapped_column(BigInteger)  # `at` as Unix seconds: what the rollup filters and groups on
    variant: Mapped[str] = mapped_column(String(64))
    feed_token: Mapped[str | None] = mapped_column(String(32), nullable=True)  # a digest, never the token
    network_key: Mapped[str] = mapped_column(String(32))  # HMAC of the address prefix alone (Apple Watch rule)
    method: Mapped[str] = mapped_column(String(8))
    status: Mapped[int] = mapped_column(SmallInteger)
    probe: Mapped[bool] = mapped_column(Boolean, default=False)  # `Range: bytes=0-1`
    range_start: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_sent: Mapped[int] = mapped_column(BigInteger, default=0)
    object_size: Mapped[int] = mapped_column(BigInteger, default=0)
    audio_offset: Mapped[int] = mapped_column(BigInteger, default=0)  # header/ID3/moov bytes
    bytes_per_second: Mapped[int] = mapped_column(Integer, default=0)  # the variant's bitrate / 8
    is_watch: Mapped[bool] = mapped_column(Boolean, default=False)


class PlayerEvent(_Who, Base):
    """One event a player sent to `POST /v1/play/{play_session_id}/{track_id}/event`."""

    __tablename__ = "analytics_player_events"
    __table_args__ = (Index("ix_analytics_player_events_ts", "ts"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ts: Mapped[int] = mapped_column(BigInteger)  # `at` as Unix seconds: what the rollup filters and groups on
    kind: Mapped[str] = mapped_column(String(16))
    startup_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    listened_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)


class HourlyStat(Base):
    """The rollup: one row per hour, track and app/device/country (analytics/rollup.py)."""

    __tablename__ = "analytics_hourly"
    __table_args__ = (
        Index("uq_analytics_hourly_key", "hour", "track_id", "app", "device", "country", unique=True),
        Index("ix_analytics_hourly_org_hour", "organization_id", "hour"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    hour: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    creator_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    collection_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    track_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    app: Mapped[str] = mapped_column(String(64))
    device: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    plays: Mapped[int] = mapped_column(Integer, default=0)
    listeners: Mapped[int] = mapped_column(Integer, default=0)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    listened_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    completions: Mapped[int] = mapped_column(Integer, default=0)
    startup_p50_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    startup_p95_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    startup_hist: Mapped[list | None] = mapped_column(JSONType, nullable=True)  # counts per STARTUP_BUCKETS


class RolledHour(Base):
    """When each hour was last aggregated: the periodic job's bookmark and throttle."""

    __tablename__ = "analytics_hours"

    hour: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    rolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DailySalt(Base):
    """The secret of one UTC day's listener keys; deleted when the day is over."""

    __tablename__ = "analytics_salts"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD (UTC)
    salt: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
