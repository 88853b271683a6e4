"""Hourly rollups: raw events → `analytics_hourly` rows per hour, track and app/device/country.

Re-aggregating an hour deletes its rows and writes them again from the raw events, so running it
twice (or on two processes) gives the same rows. An hour needs its day's events up to its end
(downloads and session plays add up ranges since midnight UTC), and nothing after it, so a closed
hour's rows are final once its events are written."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tonearm.analytics import counting
from tonearm.analytics.models import DeliveryEvent, HourlyStat, PlayerEvent, PlayerEventKind, RolledHour

HOUR = dt.timedelta(hours=1)
_DELIVERY_COLS = [DeliveryEvent.at, DeliveryEvent.organization_id, DeliveryEvent.collection_id,
                  DeliveryEvent.creator_id, DeliveryEvent.track_id, DeliveryEvent.variant, DeliveryEvent.play_session_id,
                  DeliveryEvent.listener_key, DeliveryEvent.network_key, DeliveryEvent.app, DeliveryEvent.device,
                  DeliveryEvent.country, DeliveryEvent.is_bot, DeliveryEvent.is_watch, DeliveryEvent.probe,
                  DeliveryEvent.status, DeliveryEvent.method, DeliveryEvent.range_start, DeliveryEvent.bytes_sent,
                  DeliveryEvent.object_size, DeliveryEvent.audio_offset, DeliveryEvent.bytes_per_second]
_PLAYER_COLS = [PlayerEvent.at, PlayerEvent.organization_id, PlayerEvent.collection_id, PlayerEvent.creator_id,
                PlayerEvent.track_id, PlayerEvent.play_session_id, PlayerEvent.listener_key, PlayerEvent.app,
                PlayerEvent.device, PlayerEvent.country, PlayerEvent.is_bot, PlayerEvent.kind,
                PlayerEvent.startup_ms, PlayerEvent.listened_seconds]


def floor_hour(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


class _Cell:
    __slots__ = ("ids", "plays", "listeners", "downloads", "listened", "completions", "startups")

    def __init__(self, ids):
        self.ids, self.plays, self.downloads, self.listened, self.completions = ids, 0, 0, 0.0, 0
        self.listeners: set[str] = set()
        self.startups: list[int] = []


def _cell(cells: dict, row) -> _Cell:
    key = (floor_hour(row.at), row.track_id, row.app, row.device, row.country)
    cell = cells.get(key)
    if cell is None:
        cell = cells[key] = _Cell((row.organization_id, row.collection_id, row.creator_id))
    return cell


def _count_day(deliveries: list, players: list, start: dt.datetime) -> dict:
    """The cells of the hours from `start` on, from the day's events up to the last hour's end."""
    cells: dict = {}
    in_range = lambda r: r.at >= start  # noqa: E731
    played = set()
    for p in players:
        if p.is_bot:
            continue
        if p.kind == PlayerEventKind.PLAY and p.play_session_id is not None:
            played.add((p.play_session_id, p.track_id))
        if not in_range(p):
            continue
        cell = _cell(cells, p)
        cell.listeners.add(p.listener_key)
        if p.kind == PlayerEventKind.PLAY:
            cell.plays += 1
            if p.startup_ms is not None and p.startup_ms >= 0:
                cell.startups.append(p.startup_ms)
        elif p.kind == PlayerEventKind.PROGRESS:
            cell.listened += p.listened_seconds or 0.0
        elif p.kind == PlayerEventKind.COMPLETE:
            cell.completions += 1
    for d in deliveries:
        if in_range(d) and counting.counts(d):
            _cell(cells, d).listeners.add(d.listener_key)
    for d in counting.downloads(deliveries):
        if in_range(d):
            _cell(cells, d).downloads += 1
    for d in counting.session_plays(deliveries, played):
        if in_range(d):
            _cell(cells, d).plays += 1
    return cells


def _rows(cells: dict) -> list[dict]:
    out = []
    for (hour, track_id, app, device, country), c in cells.items():
        org, col, creator = c.ids
        out.append({
            "hour": hour, "organization_id": org, "collection_id": col, "creator_id": creator,
            "track_id": track_id, "app": app, "device": device, "country": country, "plays": c.plays,
            "listeners": len(c.listeners), "downloads": c.downloads, "listened_seconds": round(c.listened, 3),
            "completions": c.completions, "startup_p50_ms": counting.percentile(c.startups, 50),
            "startup_p95_ms": counting.percentile(c.startups, 95),
            "startup_hist": counting.histogram(c.startups) if c.startups else None,
        })
    return out


def aggregate(db: Session, first: dt.datetime, last: dt.datetime, *, now: dt.datetime) -> int:
    """Re-aggregate the hours first..last (inclusive, one UTC day at a time); the rows written."""
    first, last, written = floor_hour(first), floor_hour(last), 0
    while first <= last:
        day_start = first.replace(hour=0)
        day_last = min(last, day_start + 23 * HOUR)
        end = day_last + HOUR
        deliveries = db.execute(select(*_DELIVERY_COLS).where(
            DeliveryEvent.at >= day_start, DeliveryEvent.at < end).order_by(DeliveryEvent.at, DeliveryEvent.id)).all()
        players = db.execute(select(*_PLAYER_COLS).where(
            PlayerEvent.at >= day_start, PlayerEvent.at < end).order_by(PlayerEvent.at, PlayerEvent.id)).all()
        rows = _rows(_count_day(deliveries, players, first))
        db.execute(delete(HourlyStat).where(HourlyStat.hour >= first, HourlyStat.hour < end))
        if rows:
            db.execute(HourlyStat.__table__.insert(), rows)
        hour = first
        while hour < end:
            mark = db.get(RolledHour, hour)
            if mark is None:
                db.add(RolledHour(hour=hour, rolled_at=now))
            else:
                mark.rolled_at = now
            hour += HOUR
        db.flush()
        written += len(rows)
        first = end
    return written
