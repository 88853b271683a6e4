"""Response models of `GET /v1/stats` (documentation of `stats.report`'s dict; see http/models.py)."""

from __future__ import annotations

import uuid

from pydantic import Field

from tonearm.analytics.stats import Interval
from tonearm.http.models import OkEnvelope, Out, Timestamp


class Counts(Out):
    plays: int
    listeners: int = Field(description="Hourly unique listeners, added up (one heard in two hours counts twice)")
    downloads: int = Field(description="IAB-counted downloads")
    listened_seconds: float
    completions: int
    completion_rate: float | None = Field(description="completions / plays; null without plays")
    startup_ms_p50: int | None
    startup_ms_p95: int | None


class Bucket(Counts):
    time: Timestamp = Field(description="Start of the hour, day or month (UTC)")


class TopTrack(Counts):
    track_id: uuid.UUID
    title: str


class SplitEntry(Counts):
    value: str = Field(description="The app, device class or country code; empty when unknown")


class Splits(Out):
    app: list[SplitEntry]
    device: list[SplitEntry]
    country: list[SplitEntry]


class StatsReport(OkEnvelope):
    interval: Interval
    from_: Timestamp = Field(alias="from")
    to: Timestamp
    series: list[Bucket] = Field(description="One entry per bucket with data, oldest first")
    totals: Counts
    top_tracks: list[TopTrack]
    by: Splits
