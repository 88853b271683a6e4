"""Hourly rollups: raw events → `analytics_hourly` rows per hour, track and app/device/country.

Re-aggregating an hour deletes its rows and writes them again from the raw events, so running it
twice (or on two processes) gives the same rows. An hour needs its day's events up to its end
(downloads and session plays add up ranges since midnight UTC), and nothing after it, so a closed
hour's rows are final once its events are written."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import String, case, cast, delete, func, select, union, update
from sqlalchemy.orm import Session

from tonearm.analytics import counting
from tonearm.analytics.models import DeliveryEvent, HourlyStat, PlayerEvent, PlayerEventKind, RolledHour

HOUR = dt.timedelta(hours=1)
D, P = DeliveryEvent, PlayerEvent


def _text(col):
    return cast(col, String)  # uuids as text: cheap to fetch and hash (hex on SQLite, dashed on PostgreSQL)


def _dims(t):
    return [(t.ts // 3600).label("h"), _text(t.track_id).label("track_id"), t.app, t.device, t.country]


def _counting(lo: int, hi: int):
    """Delivery rows that may add audio (counting.counts, in SQL), between two Unix times."""
    return [D.ts >= lo, D.ts < hi, D.status.in_(counting.SERVED), D.method == "GET", D.bytes_sent > 0,
            D.probe.is_(False), D.is_bot.is_(False)]


def floor_hour(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


class _Cell:
    __slots__ = ("plays", "listeners", "downloads", "listened", "completions", "startups")

    def __init__(self):
        self.plays = self.downloads = self.completions = self.listeners = 0
        self.listened = 0.0
        self.startups: list[int] = []


def _key(row) -> tuple:
    return int(row[0]), row[1], row[2], row[3], row[4]  # (h, track_id, app, device, country)


def _dkey(row) -> tuple:
    return row.ts // 3600, row.track_id, row.app, row.device, row.country


def _players(db: Session, cells: dict, lo: int, hi: int) -> None:
    """Plays, completions, listened seconds, startup times and listeners of [lo, hi), in SQL."""
    db = db.connection()  # Core results: no ORM row processing
    human = [P.ts >= lo, P.ts < hi, P.is_bot.is_(False)]
    kind = lambda k, then=1: func.sum(case((P.kind == k, then), else_=0))  # noqa: E731
    dims = _dims(P)
    for r in db.execute(select(*dims, kind(PlayerEventKind.PLAY).label("plays"),
                               kind(PlayerEventKind.COMPLETE).label("completions"),
                               kind(PlayerEventKind.PROGRESS, P.listened_seconds).label("listened"))
                        .where(*human).group_by(*(d.element if hasattr(d, "element") else d for d in dims))):
        cell = cells.setdefault(_key(r), _Cell())
        cell.plays, cell.completions, cell.listened = int(r.plays or 0), int(r.completions or 0), float(r.listened or 0)
    for r in db.execute(select(*_dims(P), P.startup_ms).where(
            *human, P.kind == PlayerEventKind.PLAY, P.startup_ms.is_not(None), P.startup_ms >= 0)):
        cells.setdefault(_key(r), _Cell()).startups.append(r.startup_ms)
    keys = union(select(*_dims(P), P.listener_key).where(*human),
                 select(*_dims(D), D.listener_key).where(*_counting(lo, hi))).subquery()
    cols = (keys.c.h, keys.c.track_id, keys.c.app, keys.c.device, keys.c.country)
    for r in db.execute(select(*cols, func.count().label("n")).group_by(*cols)):
        cells.setdefault(_key(r), _Cell()).listeners = int(r.n)


def _deliveries(db: Session, cells: dict, day: int, lo: int, hi: int) -> None:
    """IAB downloads and session plays of [lo, hi), from the day's counting requests up to hi."""
    db = db.connection()
    played = {tuple(r) for r in db.execute(select(_text(P.play_session_id), _text(P.track_id)).distinct().where(
        P.ts >= day, P.ts < hi, P.is_bot.is_(False), P.kind == PlayerEventKind.PLAY, P.play_session_id.is_not(None)))}
    rows = db.execute(select(D.ts, _text(D.track_id).label("track_id"), D.variant, D.listener_key, D.network_key,
                             _text(D.play_session_id).label("play_session_id"), D.is_watch, D.range_start,
                             D.bytes_sent, D.object_size, D.audio_offset, D.bytes_per_second, D.app, D.device,
                             D.country).where(*_counting(day, hi)).order_by(D.ts, D.id)).all()
    for r in counting.downloads(rows, checked=True):
        if r.ts >= lo:
            cells.setdefault(_dkey(r), _Cell()).downloads += 1
    for r in counting.session_plays(rows, played, checked=True):
        if r.ts >= lo:
            cells.setdefault(_dkey(r), _Cell()).plays += 1


def _owners(db: Session, lo: int, hi: int) -> dict:
    db, out = db.connection(), {}
    for t in (D, P):
        for r in db.execute(select(_text(t.track_id), t.organization_id, t.collection_id, t.creator_id)
                            .distinct().where(t.ts >= lo, t.ts < hi)):
            out[r[0]] = (r[1], r[2], r[3])
    return out


def _rows(cells: dict, owners: dict) -> list[dict]:
    out = []
    for (h, track, app, device, country), c in cells.items():
        org, col, creator = owners[track]
        out.append({
            "hour": dt.datetime.fromtimestamp(h * 3600, dt.UTC), "organization_id": org, "collection_id": col,
            "creator_id": creator, "track_id": uuid.UUID(track), "app": app, "device": device, "country": country,
            "plays": c.plays, "listeners": c.listeners, "downloads": c.downloads,
            "listened_seconds": round(c.listened, 3), "completions": c.completions,
            "startup_p50_ms": counting.percentile(c.startups, 50), "startup_p95_ms": counting.percentile(c.startups, 95),
            "startup_hist": counting.histogram(c.startups) if c.startups else None,
        })
    return out


def aggregate(db: Session, first: dt.datetime, last: dt.datetime, *, now: dt.datetime) -> int:
    """Re-aggregate the hours first..last (inclusive, one UTC day at a time); the rows written."""
    first, last, written = floor_hour(first), floor_hour(last), 0
    while first <= last:
        day_start = first.replace(hour=0)
        end = min(last, day_start + 23 * HOUR) + HOUR
        day, lo, hi = int(day_start.timestamp()), int(first.timestamp()), int(end.timestamp())
        cells: dict = {}
        _players(db, cells, lo, hi)
        _deliveries(db, cells, day, lo, hi)
        rows = _rows(cells, _owners(db, lo, hi))
        db.execute(delete(HourlyStat).where(HourlyStat.hour >= first, HourlyStat.hour < end))
        if rows:
            db.execute(HourlyStat.__table__.insert(), rows)
        marked = set(db.scalars(select(RolledHour.hour).where(RolledHour.hour >= first, RolledHour.hour < end)))
        db.execute(update(RolledHour).where(RolledHour.hour >= first, RolledHour.hour < end).values(rolled_at=now))
        hour = first
        while hour < end:
            if hour not in marked:
                db.add(RolledHour(hour=hour, rolled_at=now))
            hour += HOUR
        db.flush()
        written += len(rows)
        first = end
    return written
