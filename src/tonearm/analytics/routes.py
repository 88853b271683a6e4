"""`GET /v1/stats` and `GET /v1/stats/export.csv` (API keys only; player keys cannot read stats)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from tonearm.analytics.responses import StatsReport
from tonearm.analytics.stats import CSV_COLUMNS, Filters, Interval, report
from tonearm.auth.deps import ApiKeyDep
from tonearm.errors import Forbidden, Invalid
from tonearm.http.deps import DB
from tonearm.http.envelope import ok
from tonearm.wire import iso

router = APIRouter(tags=["stats"])
MAX_SPAN = dt.timedelta(days=3 * 366)
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def _uuid(name: str, raw: str | None) -> uuid.UUID | None:
    if raw in (None, ""):
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Invalid(f"{name} must be a UUID") from None


def _time(name: str, raw: str | None, default: dt.datetime) -> dt.datetime:
    if raw in (None, ""):
        return default
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00")) if "T" in raw or " " in raw \
            else dt.datetime.combine(dt.date.fromisoformat(raw), dt.time())
    except ValueError:
        raise Invalid(f"{name} must be a date (2026-11-01) or an ISO 8601 time") from None
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if not EARLIEST <= value <= LATEST:  # and `to` - 30 days (the default `from`) stays a date
        raise Invalid(f"{name} must lie between 1970 and 9998")
    return value


def filters(principal, collection_id, track_id, creator_id, start, end, interval) -> Filters:
    now = dt.datetime.now(dt.UTC)
    to = _time("to", end, now)
    frm = _time("from", start, to - dt.timedelta(days=30))
    if frm >= to:
        raise Invalid("from must be before to")
    if to - frm > MAX_SPAN:
        raise Invalid("from..to may span at most three years")
    try:
        step = Interval(interval or "day")
    except ValueError:
        raise Invalid("interval must be hour, day or month") from None
    if step == Interval.HOUR and to - frm > dt.timedelta(days=93):
        raise Invalid("interval=hour covers at most 93 days")
    col = _uuid("collection_id", collection_id)
    if principal.collection_id is not None:  # a collection-scoped API key sees its collection only
        if col not in (None, principal.collection_id):
            raise Forbidden("This key is scoped to another collection")
        col = principal.collection_id
    return Filters(organization_id=principal.organization_id, start=frm, end=to, interval=step, collection_id=col,
                   track_id=_uuid("track_id", track_id), creator_id=_uuid("creator_id", creator_id))


Str = Annotated[str | None, Query()]
From = Annotated[str | None, Query(alias="from", description="date or ISO time (UTC); default: 30 days before `to`")]
To = Annotated[str | None, Query(description="date or ISO time (UTC), exclusive; default: now")]


@router.get("/v1/stats", operation_id="getStats", response_model=StatsReport)
def get_stats(principal: ApiKeyDep, db: DB, collection_id: Str = None, track_id: Str = None,
              creator_id: Str = None, from_: From = None, to: To = None,
              interval: Annotated[str | None, Query(description="hour, day (default) or month")] = None):
    """Plays, listeners, IAB downloads, listened seconds, completions and startup time, per hour,
    day or month (UTC), with totals, top tracks and the split by app, device and country."""
    f = filters(principal, collection_id, track_id, creator_id, from_, to, interval)
    return ok(**report(db, f))


@router.get("/v1/stats/export.csv", operation_id="exportStats")
def export_stats(principal: ApiKeyDep, db: DB, collection_id: Str = None, track_id: Str = None,
                 creator_id: Str = None, from_: From = None, to: To = None, interval: Str = None):
    """The series of `GET /v1/stats` as CSV (one row per bucket)."""
    f = filters(principal, collection_id, track_id, creator_id, from_, to, interval)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in report(db, f)["series"]:
        writer.writerow([iso(entry["time"]), *("" if entry[c] is None else entry[c] for c in CSV_COLUMNS[1:])])
    name = f"tonearm-stats-{f.start.date()}-{f.end.date()}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
