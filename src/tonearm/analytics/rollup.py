"""Hourly rollups: raw events → `analytics_hourly` rows per hour, track and app/device/country.

Re-aggregating an hour deletes its rows and writes them again from the raw events, so running it
twice (or on two processes) gives the same rows. An hour needs its day's events up to its end
(downloads and session plays add up ranges since midnight UTC), and nothing after it, so a closed
hour's rows are final once its events are written."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterator
from operator import itemgetter

from sqlalchemy import JSON, String, cast, delete, select, update
from sqlalchemy.orm import Session

from tonearm.analytics import counting
from tonearm.analytics.models import DeliveryEvent, HourlyStat, PlayerEvent, PlayerEventKind, RolledHour

HOUR = dt.timedelta(hours=1)
BATCH = 20_000  # event rows fetched at a time
D, P = DeliveryEvent, PlayerEvent


def _text(col):
    return cast(col, String)  # uuids as text: cheap to fetch and hash (hex on SQLite, dashed on PostgreSQL)


def _counting(lo: int, hi: int):
    """Delivery rows that may add audio (counting.counts, in SQL), between two Unix times."""
    return [D.ts >= lo, D.ts < hi, D.status.in_(counting.SERVED), D.method == "GET", D.bytes_sent > 0,
            D.probe.is_(False), D.is_bot.is_(False)]


def floor_hour(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _tuples(db: Session, stmt) -> Iterator[tuple]:
    """The rows of a Core select as the driver's plain tuples, streamed (a server-side cursor on
    PostgreSQL): no SQLAlchemy row objects for a day's worth of events."""
    conn = db.connection()
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cur = raw.cursor(name=f"tonearm_rollup_{uuid.uuid4().hex[:12]}")
        cur.itersize = BATCH
    else:
        cur = raw.cursor()
    try:
        cur.execute(sql)
        while chunk := cur.fetchmany(BATCH):
            yield from chunk
    finally:
        cur.close()


def _insert(db: Session, table, rows: list[dict]) -> None:
    """INSERT many rows through the driver (COPY on PostgreSQL, executemany elsewhere), each value
    passed through its column type's bind processor, once per distinct value where they repeat
    (hours, ids): the same stored form as a Core insert, without its per-row parameter processing."""
    conn = db.connection()
    dialect = conn.dialect
    cols = list(rows[0])
    procs = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in cols]
    caches: list[dict] = [{} for _ in cols]
    columns = [[r[c] for r in rows] for c in cols]
    for i, (proc, values) in enumerate(zip(procs, columns)):
        if proc is None:
            continue
        if isinstance(table.c[cols[i]].type, JSON):  # every value differs; None is stored as JSON null, as Core does
            columns[i] = [proc(v) for v in values]
            continue
        cache = caches[i]
        columns[i] = [v if v is None else cache[v] if v in cache else cache.setdefault(v, proc(v)) for v in values]
    cur = conn.connection.driver_connection.cursor()
    try:
        if dialect.name == "postgresql":  # COPY: several times faster than psycopg's executemany
            with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in zip(*columns):
                    copy.write_row(row)
        else:
            mark = "?" if dialect.paramstyle == "qmark" else "%s"
            cur.executemany(f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})",
                            list(zip(*columns)))
    finally:
        cur.close()


class _Cell:
    __slots__ = ("plays", "listeners", "downloads", "listened", "completions", "startups")

    def __init__(self):
        self.plays = self.downloads = self.completions = self.listeners = 0
        self.listened = 0.0
        self.startups: list[int] = []


class _Day:
    """Hourly cells of [lo, hi) and the day's state (since `day`) the counting rules need."""

    def __init__(self, day: int, lo: int, hi: int):
        self.day, self.lo, self.hi = day, lo, hi
        self.cells: dict = {}  # (h, track, app, device, country) → _Cell
        self.listeners: defaultdict = defaultdict(set)  # same key → listener keys
        self.seen: dict = {}  # track → (table, id) of one of its events in [lo, hi)
        self.played: set = set()  # (play session, track) that sent a `play` event since `day`

    def cell(self, key) -> "_Cell":
        c = self.cells.get(key)
        if c is None:
            c = self.cells[key] = _Cell()
        return c

    def players(self, db: Session) -> None:
        """Plays, completions, listened seconds, startup times and listeners of the non-bot player
        events of [lo, hi); the sessions that sent a `play` since the day began."""
        q = select(P.ts, _text(P.track_id), P.app, P.device, P.country, P.listener_key, P.kind, P.startup_ms,
                   P.listened_seconds, _text(P.play_session_id), P.id).where(
            P.ts >= self.day, P.ts < self.hi, P.is_bot.is_(False))
        play, progress, complete = PlayerEventKind.PLAY.value, PlayerEventKind.PROGRESS.value, \
            PlayerEventKind.COMPLETE.value
        lo, played, listeners, seen, cells = self.lo, self.played, self.listeners, self.seen, self.cells
        for ts, track, app, device, country, listener, kind, startup, listened, sid, event in _tuples(db, q):
            if kind == play and sid is not None:
                played.add((sid, track))
            if ts < lo:
                continue
            key = (ts // 3600, track, app, device, country)
            listeners[key].add(listener)
            if track not in seen:
                seen[track] = (P, event)
            c = cells.get(key) or self.cell(key)
            if kind == play:
                c.plays += 1
                if startup is not None and startup >= 0:
                    c.startups.append(startup)
            elif kind == progress:
                c.listened += listened or 0.0
            elif kind == complete:
                c.completions += 1

    def deliveries(self, db: Session) -> None:
        """IAB downloads, session plays and listeners, in one pass over the day's counting
        requests up to hi in time order (the rules: counting.py); downloads and plays count in
        the hour of the request that made them, when that is in [lo, hi)."""
        q = select(D.ts, _text(D.track_id), D.variant, D.listener_key, D.network_key, _text(D.play_session_id),
                   D.is_watch, D.range_start, D.bytes_sent, D.object_size, D.audio_offset, D.bytes_per_second,
                   D.app, D.device, D.country, D.id).where(
            *_counting(self.day, self.hi)).order_by(D.ts, D.id)
        downloads, plays = counting.Crossings(), counting.Crossings()
        needs: dict = {}  # (object_size, audio_offset, bytes_per_second) → bytes for a download, for a play
        made = []
        lo, played, listeners, seen, audio = self.lo, self.played, self.listeners, self.seen, counting.audio_range
        for (ts, track, variant, listener, network, sid, watch, range_start, sent, size, offset, bps,
             app, device, country, event) in _tuples(db, q):
            key = None
            if ts >= lo:
                key = (ts // 3600, track, app, device, country)
                listeners[key].add(listener)
                if track not in seen:
                    seen[track] = (D, event)
            start, end = audio(range_start, sent, size, offset)
            need = needs.get((size, offset, bps))
            if need is None:
                need = needs[(size, offset, bps)] = (counting.need(size, offset, bps, counting.DOWNLOAD_SECONDS),
                                                     counting.need(size, offset, bps, counting.PLAY_SECONDS))
            if downloads.feed((listener, track), variant, start, end, need[0]):
                made.append((key, network, track, watch))
            if sid is not None and (sid, track) not in played and plays.feed((sid, track), variant, start, end,
                                                                            need[1]) and key is not None:
                self.cell(key).plays += 1
        for key, *_ in counting.without_watch_duplicates(made, itemgetter(1), itemgetter(2), itemgetter(3)):
            if key is not None:
                self.cell(key).downloads += 1

    def owners(self, db: Session) -> dict:
        """track → (organization, collection, creator), read from one event of each track."""
        out = {}
        for t in (P, D):
            ids = [event for table, event in self.seen.values() if table is t]
            for start in range(0, len(ids), 500):
                for track, *owner in db.connection().execute(
                        select(_text(t.track_id), t.organization_id, t.collection_id, t.creator_id)
                        .where(t.id.in_(ids[start:start + 500]))):
                    out[track] = owner
        return out

    def rows(self, db: Session) -> list[dict]:
        out, owners, ids = [], self.owners(db), {}
        for key, listeners in self.listeners.items():
            self.cell(key).listeners = len(listeners)
        for (h, track, app, device, country), c in self.cells.items():
            org, col, creator = owners[track]
            out.append({
                "hour": dt.datetime.fromtimestamp(h * 3600, dt.UTC), "organization_id": org,
                "collection_id": col, "creator_id": creator,
                "track_id": ids.get(track) or ids.setdefault(track, uuid.UUID(track)), "app": app,
                "device": device, "country": country, "plays": c.plays, "listeners": c.listeners,
                "downloads": c.downloads, "listened_seconds": round(c.listened, 3), "completions": c.completions,
                "startup_p50_ms": counting.percentile(c.startups, 50),
                "startup_p95_ms": counting.percentile(c.startups, 95),
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
        state = _Day(day, lo, hi)
        state.players(db)
        state.deliveries(db)
        rows = state.rows(db)
        db.execute(delete(HourlyStat).where(HourlyStat.hour >= first, HourlyStat.hour < end))
        if rows:
            _insert(db, HourlyStat.__table__, rows)
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
