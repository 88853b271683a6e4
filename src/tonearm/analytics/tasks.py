"""The analytics periodic body: roll up the hours since the last run, prune old raw events and
yesterday's salts.

analytics.rollup   (periodic, every reap interval; does work at most every
                   TONEARM_ANALYTICS_ROLLUP_SECONDS for the open hour) re-aggregates from two
                   hours before the last aggregated hour up to the current one, so events that
                   reached the database late (the recorder's buffer, a slow flush) are counted."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from tonearm.analytics import salts
from tonearm.analytics.models import DeliveryEvent, PlayerEvent, RolledHour
from tonearm.analytics.rollup import HOUR, aggregate, floor_hour
from tonearm.db.base import utcnow
from tonearm.jobs.runtime import Runtime

log = logging.getLogger("tonearm.analytics")
LOOKBACK = 2 * HOUR


def prune(db, now: dt.datetime, retention_days: int) -> tuple[int, int]:
    """Delete raw events older than the retention and the salts of past days."""
    cutoff = now - dt.timedelta(days=retention_days)
    gone = db.execute(delete(DeliveryEvent).where(DeliveryEvent.ts < cutoff.timestamp())).rowcount or 0
    gone += db.execute(delete(PlayerEvent).where(PlayerEvent.ts < cutoff.timestamp())).rowcount or 0
    db.execute(delete(RolledHour).where(RolledHour.hour < cutoff))
    return gone, salts.discard_past(db, now.date().isoformat())


def _first_hour(db, now: dt.datetime, retention_days: int) -> dt.datetime:
    last = db.scalar(select(func.max(RolledHour.hour)))
    if last is not None:
        first = last - LOOKBACK
    else:
        oldest = [t for t in (db.scalar(select(func.min(DeliveryEvent.ts))),
                              db.scalar(select(func.min(PlayerEvent.ts)))) if t is not None]
        first = dt.datetime.fromtimestamp(min(oldest), dt.UTC) if oldest else now
    return floor_hour(max(first, now - dt.timedelta(days=retention_days)))


def rollup(rt: Runtime, now: dt.datetime | None = None) -> int:
    """Aggregate what is due; the rollup rows written (0 when throttled or nothing to do)."""
    now = now or utcnow()
    s = rt.settings
    try:
        with rt.unit() as db:
            mark = db.get(RolledHour, floor_hour(now))
            if mark is not None and (now - mark.rolled_at).total_seconds() < s.analytics_rollup_seconds:
                return 0
            written = aggregate(db, _first_hour(db, now, s.analytics_retention_days), now, now=now)
            prune(db, now, s.analytics_retention_days)
        return written
    except (OperationalError, IntegrityError) as exc:  # database away, or another process rolling the same hours
        log.warning("analytics.rollup skipped: %s", type(exc).__name__)
        return 0


PERIODIC = {"analytics.rollup": rollup}
