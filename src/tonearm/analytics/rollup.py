"""Hourly rollups: raw events → `analytics_hourly` rows per hour, track and app/device/country.

Re-aggregating an hour deletes its rows and writes them again from the raw events, so running it
twice (or on two processes) gives the same rows. An hour needs its day's events up to its end
(downloads and session plays add up ranges since midnight UTC), and nothing after it, so a closed
hour's rows are final once its events are written."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import JSON, String, cast, delete, select, update
from sqlalchemy.orm import Session

from tonearm.analytics import counting
from tonearm.analytics.models import DeliveryEvent, HourlyStat, PlayerEvent, PlayerEventKind, RolledHour

HOUR = dt.timedelta(hours=1)
BATCH = 20_000  # event rows fetched at a time
MMAP = 1 << 30  # SQLite: read the event pages through a memory map while the rollup reads (not on other queries)
D, P = DeliveryEvent, PlayerEvent


def _text(col):
    return cast(col, String)  # uuids as text: cheap to fetch and hash (hex on SQLite, dashed on PostgreSQL)


def _counting(lo: int, hi: int):
    """Delivery rows that may add audio (counting.counts, in SQL), between two Unix times."""
    return [D.ts >= lo, D.ts < hi, D.status.in_(counting.SERVED), D.method == "GET", D.bytes_sent > 0,
            D.probe.is_(False), D.is_bot.is_(False)]


def floor_hour(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _chunks(db: Session, stmt) -> Iterator[list[tuple]]:
    """The rows of a Core select as lists of the driver's plain tuples, streamed (a server-side
    cursor on PostgreSQL): no SQLAlchemy row objects for a day's worth of events."""
    conn = db.connection()
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    raw = conn.connection.driver_connection
    mapped = None
    if conn.dialect.name == "postgresql":
        cur = raw.cursor(name=f"tonearm_rollup_{uuid.uuid4().hex[:12]}")
        cur.itersize = BATCH
    else:
        cur = raw.cursor()
        mapped = cur.execute("PRAGMA mmap_size").fetchone()[0]
        cur.execute(f"PRAGMA mmap_size={MMAP}")
    try:
        cur.execute(sql)
        while chunk := cur.fetchmany(BATCH):
            yield chunk
    finally:
        if mapped is not None:
            cur.execute(f"PRAGMA mmap_size={int(mapped)}")
        cur.close()


_COPY_TEXT = {  # PostgreSQL's text form of the hourly row's values that are neither str nor numbers
    "hour": dt.datetime.isoformat, "organization_id": str, "collection_id": str, "creator_id": str, "track_id": str,
    "startup_hist": json.dumps,  # None too: JSON null, as Core stores it
}
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _stored(db: Session, table, col: str):
    """The function that turns a value into what the driver takes for a column, or None when the
    value goes as it is: on PostgreSQL its text for COPY (`_insert`), elsewhere its type's bind
    processor, as a Core insert applies it."""
    dialect = db.connection().dialect
    if dialect.name == "postgresql":
        return _COPY_TEXT.get(col)
    return table.c[col].type.dialect_impl(dialect).bind_processor(dialect)


def _copy_fields(rows: list[tuple]) -> str:
    """Rows as the lines of COPY's text form: NULL as \\N, backslash and line controls escaped in
    strings (each distinct string escaped once: apps, devices, ids and hours repeat), numbers as
    their shortest repr (a float reads back exactly)."""
    escaped: dict = {}

    def field(value) -> str:
        if value.__class__ is str:
            text = escaped.get(value)
            if text is None:
                text = escaped[value] = value.translate(_COPY_ESCAPES)
            return text
        return "\\N" if value is None else str(value)

    return "".join("\t".join(map(field, row)) + "\n" for row in rows)


def _insert(db: Session, table, cols: list[str], rows: list[tuple]) -> None:
    """INSERT many rows, already in their stored form (`_stored`), through the driver: COPY in text
    form on PostgreSQL (several times faster than psycopg's executemany, and than its per-value
    adaptation in `write_row`), executemany elsewhere; no per-row parameter processing."""
    conn = db.connection()
    cur = conn.connection.driver_connection.cursor()
    try:
        if conn.dialect.name == "postgresql":
            with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
                for start in range(0, len(rows), BATCH):
                    copy.write(_copy_fields(rows[start:start + BATCH]))
        else:
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            cur.executemany(f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})",
                            rows)
    finally:
        cur.close()


COLUMNS = ["hour", "organization_id", "collection_id", "creator_id", "track_id", "app", "device", "country", "plays",
           "listeners", "downloads", "listened_seconds", "completions", "startup_p50_ms", "startup_p95_ms",
           "startup_hist"]  # of the tuples `_Day.rows` makes
_IDS = ("organization_id", "collection_id", "creator_id", "track_id")


def _same(value):
    return value


class _Cell:
    __slots__ = ("plays", "who", "downloads", "listened", "completions", "startups")

    def __init__(self):
        self.plays = self.downloads = self.completions = 0
        self.listened = 0.0
        self.startups: list[int] = []
        self.who: set = set()  # listener keys


class _Day:
    """Hourly cells of [lo, hi) and the day's state (since `day`) the counting rules need."""

    def __init__(self, day: int, lo: int, hi: int):
        self.day, self.lo, self.hi = day, lo, hi
        self.cells: defaultdict = defaultdict(_Cell)  # (h, track, app, device, country) → _Cell
        self.seen: dict = {}  # track → (table, id) of one of its events in [lo, hi)
        self.played: set = set()  # (play session, track) that sent a `play` event since `day`

    def players(self, db: Session) -> None:
        """Plays, completions, listened seconds, startup times and listeners of the non-bot player
        events of [lo, hi); the sessions that sent a `play` since the day began."""
        q = select(P.ts, _text(P.track_id), P.app, P.device, P.country, P.listener_key, P.kind, P.startup_ms,
                   P.listened_seconds, _text(P.play_session_id), P.id).where(
            P.ts >= self.day, P.ts < self.hi, P.is_bot.is_(False))
        play, progress, complete = PlayerEventKind.PLAY.value, PlayerEventKind.PROGRESS.value, \
            PlayerEventKind.COMPLETE.value
        lo, played, seen, cells = self.lo, self.played, self.seen, self.cells
        for chunk in _chunks(db, q):
            for ts, track, app, device, country, listener, kind, startup, listened, sid, event in chunk:
                if kind == play and sid is not None:
                    played.add((sid, track))
                if ts < lo:
                    continue
                c = cells[(ts // 3600, track, app, device, country)]
                c.who.add(listener)
                if track not in seen:
                    seen[track] = (P, event)
                if kind == play:
                    c.plays += 1
                    if startup is not None and startup >= 0:
                        c.startups.append(startup)
                elif kind == progress:
                    c.listened += listened or 0.0
                elif kind == complete:
                    c.completions += 1

    def deliveries(self, db: Session) -> None:  # long: one hot loop; each helper call would cost every row
        """IAB downloads, session plays and listeners, in one pass over the day's counting
        requests up to hi in time order (the rules: counting.py); downloads and plays count in
        the hour of the request that made them, when that is in [lo, hi).

        The hot loop inlines `counting.audio_range` and the common case of `Crossings.feed`: a
        request whose audio range alone reaches the threshold makes its group cross whatever the
        group fetched before (a union is never shorter than one of its ranges), so only the other
        requests go through `feed`."""
        q = select(D.ts, _text(D.track_id), D.variant, D.listener_key, D.network_key, _text(D.play_session_id),
                   D.is_watch, D.range_start, D.bytes_sent, D.object_size, D.audio_offset, D.bytes_per_second,
                   D.app, D.device, D.country, D.id).where(
            *_counting(self.day, self.hi)).order_by(D.ts, D.id)
        downloads, plays = counting.Crossings(), counting.Crossings()
        downloaded, session_played = downloads.done, plays.done
        needs: dict = {}  # (object_size, audio_offset, bytes_per_second) → bytes for a download, for a play
        phones, watches = set(), []  # counting.without_watch_duplicates, as the downloads come
        lo, played, seen, cells = self.lo, self.played, self.seen, self.cells
        need_of, minute, half = counting.need, counting.DOWNLOAD_SECONDS, counting.PLAY_SECONDS
        for chunk in _chunks(db, q):
            for (ts, track, variant, listener, network, sid, watch, range_start, sent, size, offset, bps,
                 app, device, country, event) in chunk:
                c = None
                if ts >= lo:
                    c = cells[(ts // 3600, track, app, device, country)]
                    c.who.add(listener)
                    if track not in seen:
                        seen[track] = (D, event)
                end = range_start + sent  # counting.audio_range
                if size and end > size:
                    end = size
                start = range_start if range_start > offset else offset
                need = needs.get((size, offset, bps))
                if need is None:
                    need = needs[(size, offset, bps)] = (need_of(size, offset, bps, minute),
                                                         need_of(size, offset, bps, half))
                group = (listener, track)
                if group not in downloaded:
                    if end - start >= need[0]:
                        downloaded.add(group)
                        crossed = True
                    else:
                        crossed = downloads.feed(group, variant, start, end, need[0])
                    if crossed and watch:
                        watches.append((c, network, track))
                    elif crossed:
                        phones.add((network, track))
                        if c is not None:
                            c.downloads += 1
                if sid is None:
                    continue
                group = (sid, track)
                if group in session_played or group in played:
                    continue
                if end - start >= need[1]:
                    session_played.add(group)
                elif not plays.feed(group, variant, start, end, need[1]):
                    continue
                if c is not None:
                    c.plays += 1
        for c, network, track in watches:  # a watch download of a track its network also downloaded otherwise
            if c is not None and (network, track) not in phones:
                c.downloads += 1

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

    def rows(self, db: Session) -> list[tuple]:
        """The hourly rows (COLUMNS), in the stored form the driver takes (`_stored`): the hour and
        the track's ids converted once per hour and per track, the rest per row only where the
        column's type has a processor."""
        table, out, owners = HourlyStat.__table__, [], self.owners(db)
        hour_of, id_of = _stored(db, table, "hour") or _same, {c: _stored(db, table, c) or _same for c in _IDS}
        seconds_of, hist_of = _stored(db, table, "listened_seconds"), _stored(db, table, "startup_hist") or _same
        no_hist = hist_of(None)  # stored as JSON null, as Core does
        hours, tracks, percentiles = {}, {}, counting.percentiles
        for (h, track, app, device, country), c in self.cells.items():
            hour = hours.get(h)
            if hour is None:
                hour = hours[h] = hour_of(dt.datetime.fromtimestamp(h * 3600, dt.UTC))
            ids = tracks.get(track)
            if ids is None:
                org, col, creator = owners[track]
                ids = tracks[track] = tuple(None if v is None else id_of[name](v) for name, v in zip(
                    _IDS, (org, col, creator, uuid.UUID(track))))
            listened = round(c.listened, 3)
            if seconds_of is not None:
                listened = seconds_of(listened)
            startups = c.startups
            if startups:
                p50, p95 = percentiles(startups, 50, 95)
                hist = hist_of(counting.histogram(startups))
            else:
                p50 = p95 = None
                hist = no_hist
            out.append((hour, *ids, app, device, country, c.plays, len(c.who), c.downloads, listened,
                        c.completions, p50, p95, hist))
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
            _insert(db, HourlyStat.__table__, COLUMNS, rows)
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
