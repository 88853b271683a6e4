"""Recording events without slowing the listener: a bounded in-memory buffer per process, written
to the database in batches by one daemon thread. A full buffer drops the event and counts it
(`tonearm_analytics_events_dropped_total`); nothing on the request path waits for the database."""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable

from prometheus_client import Counter

from tonearm.analytics import rows
from tonearm.analytics.facts import DeliveryFacts, PlayerFacts
from tonearm.analytics.listener import Countries, trusted_networks
from tonearm.analytics.models import DeliveryEvent, PlayerEvent
from tonearm.analytics.resolve import InfoCache
from tonearm.analytics.salts import SaltCache
from tonearm.keyring import Purpose

log = logging.getLogger("tonearm.analytics")

DROPPED = Counter("tonearm_analytics_events_dropped_total",
                  "Analytics events dropped: buffer full, store failed, or unknown file", ["reason"])
WRITTEN = Counter("tonearm_analytics_events_written_total", "Analytics events written to the database", ["kind"])

Item = DeliveryFacts | PlayerFacts
DELIVERIES, PLAYS = DeliveryEvent.__table__.insert(), PlayerEvent.__table__.insert()


class Recorder:
    """One per process (per app): `offer` never blocks; `flush` writes everything buffered now."""

    def __init__(self, rt, *, store: Callable[[list[Item]], None] | None = None):
        s = rt.settings
        self.rt = rt
        self.capacity, self.batch, self.interval = s.analytics_buffer_size, s.analytics_batch_size, s.analytics_flush_seconds
        self._items: collections.deque[Item] = collections.deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._writing = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._store = store or self._write
        self._countries = Countries(s.geoip_database)
        self._ctx = rows.Context(rows.Identities(SaltCache(rt.sessionmaker), self._countries,
                                                 trusted_networks(s.trusted_proxies)),
                                 InfoCache(), rt.keyring.key(Purpose.ANALYTICS_TOKEN).encode())

    def offer(self, item: Item) -> bool:
        """Buffer one event; False (and counted) when the buffer is full."""
        with self._lock:
            if len(self._items) >= self.capacity or self._closed:
                DROPPED.labels("buffer_full").inc()
                return False
            self._items.append(item)
            full = len(self._items) >= self.batch
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tonearm-analytics", daemon=True)
                self._thread.start()
        if full:
            self._wake.set()
        return True

    def pending(self) -> int:
        return len(self._items)

    def _take(self) -> list[Item]:
        with self._lock:
            n = min(self.batch, len(self._items))
            return [self._items.popleft() for _ in range(n)]

    def _drain_once(self) -> bool:
        with self._writing:
            items = self._take()
            if not items:
                return False
            try:
                self._store(items)
            except Exception:  # noqa: BLE001  (database away: these events are lost, counted)
                log.exception("analytics: could not write %d events", len(items))
                DROPPED.labels("store_failed").inc(len(items))
            return True

    def flush(self) -> None:
        """Write everything buffered so far (tests, shutdown)."""
        while self._drain_once():
            pass

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        self.flush()
        self._countries.close()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self.interval)
            self._wake.clear()
            while self._drain_once() and len(self._items) >= self.batch:
                pass

    def _write(self, items: list[Item]) -> None:
        ctx = self._ctx
        deliveries, plays = [], []
        with self.rt.unit() as db:
            for item in items:
                built = rows.build(db, ctx, item)
                if built is None:
                    DROPPED.labels("unknown_file").inc()
                elif isinstance(item, DeliveryFacts):
                    deliveries.append(built)
                else:
                    plays.append(built)
            # Core executemany on the tables: the ORM's bulk path costs as much again per row.
            if deliveries:
                db.connection().execute(DELIVERIES, deliveries)
            if plays:
                db.connection().execute(PLAYS, plays)
        WRITTEN.labels("delivery").inc(len(deliveries))
        WRITTEN.labels("player").inc(len(plays))
