"""Reading the rollups: time series by hour/day/month, totals and top tracks (GET /v1/stats)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from tonearm.analytics import counting
from tonearm.analytics.models import HourlyStat
from tonearm.catalog.models import Track


class Interval(StrEnum):
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True)
class Filters:
    organization_id: uuid.UUID
    start: dt.datetime
    end: dt.datetime  # exclusive
    interval: Interval = Interval.DAY
    collection_id: uuid.UUID | None = None
    track_id: uuid.UUID | None = None
    creator_id: uuid.UUID | None = None


def bucket(hour: dt.datetime, interval: Interval) -> dt.datetime:
    if interval == Interval.HOUR:
        return hour
    day = hour.replace(hour=0)
    return day if interval == Interval.DAY else day.replace(day=1)


class _Sum:
    def __init__(self):
        self.plays = self.listeners = self.downloads = self.completions = 0
        self.listened = 0.0
        self.hist = [0] * (len(counting.STARTUP_BUCKETS) + 1)

    def add(self, r) -> None:
        self.plays += r.plays
        self.listeners += r.listeners
        self.downloads += r.downloads
        self.completions += r.completions
        self.listened += r.listened_seconds
        for i, c in enumerate(r.startup_hist or ()):
            self.hist[i] += c

    def out(self) -> dict:
        return {
            "plays": self.plays, "listeners": self.listeners, "downloads": self.downloads,
            "listened_seconds": round(self.listened, 1), "completions": self.completions,
            "completion_rate": round(self.completions / self.plays, 4) if self.plays else None,
            "startup_ms_p50": counting.hist_percentile(self.hist, 50),
            "startup_ms_p95": counting.hist_percentile(self.hist, 95),
        }


def _rows(db: Session, f: Filters):
    q = select(HourlyStat).where(HourlyStat.organization_id == f.organization_id,
                                 HourlyStat.hour >= f.start, HourlyStat.hour < f.end)
    for col, value in ((HourlyStat.collection_id, f.collection_id), (HourlyStat.track_id, f.track_id),
                       (HourlyStat.creator_id, f.creator_id)):
        if value is not None:
            q = q.where(col == value)
    return db.scalars(q.order_by(HourlyStat.hour)).all()


def _top(db: Session, by_track: dict[uuid.UUID, _Sum], limit: int = 10) -> list[dict]:
    ranked = sorted(by_track.items(), key=lambda kv: (-(kv[1].plays + kv[1].downloads), str(kv[0])))[:limit]
    names = {tid: title or name for tid, title, name in db.execute(
        select(Track.id, Track.player_title, Track.file_name).where(Track.id.in_([k for k, _ in ranked])))}
    return [{"track_id": k, "title": names.get(k, ""), **s.out()} for k, s in ranked]


def report(db: Session, f: Filters) -> dict:
    """Series (one entry per bucket with data), totals, top tracks and the app/device/country split.
    `listeners` adds up hourly unique listeners (a listener heard in two hours counts twice)."""
    series: dict[dt.datetime, _Sum] = {}
    total, by_track = _Sum(), {}
    splits: dict[str, dict[str, _Sum]] = {"app": {}, "device": {}, "country": {}}
    for r in _rows(db, f):
        series.setdefault(bucket(r.hour, f.interval), _Sum()).add(r)
        total.add(r)
        by_track.setdefault(r.track_id, _Sum()).add(r)
        for dim, value in (("app", r.app), ("device", r.device), ("country", r.country)):
            splits[dim].setdefault(value or "", _Sum()).add(r)
    return {
        "interval": f.interval.value, "from": f.start, "to": f.end,
        "series": [{"time": t, **s.out()} for t, s in sorted(series.items())],
        "totals": total.out(),
        "top_tracks": _top(db, by_track),
        "by": {dim: [{"value": k, **s.out()} for k, s in sorted(v.items(), key=lambda kv: -kv[1].plays)]
               for dim, v in splits.items()},
    }


CSV_COLUMNS = ("time", "plays", "listeners", "downloads", "listened_seconds", "completions", "completion_rate",
               "startup_ms_p50", "startup_ms_p95")
