"""`tonearm tracks reprocess`: an operator command on this server's own database (like `tonearm
keys`), beside the remote `tonearm tracks` commands that go through the HTTP API."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Optional

import typer

_SPAN = re.compile(r"^(\d+)([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_span(text: str) -> dt.timedelta:
    """`90s`, `15m`, `2h`, `7d` → a timedelta."""
    m = _SPAN.match(text.strip())
    if not m:
        raise typer.BadParameter("use a number and s, m, h or d, e.g. 2h")
    return dt.timedelta(seconds=int(m.group(1)) * _UNIT[m.group(2)])


def _select(db, track_id: Optional[str], status: Optional[str], since: Optional[str]) -> list:
    from sqlalchemy import select

    from tonearm.catalog.models import Track
    from tonearm.catalog.states import TrackStatus, UploadState
    from tonearm.db.base import utcnow

    if track_id:
        try:
            track = db.get(Track, uuid.UUID(track_id))
        except ValueError:
            raise typer.BadParameter(f"not a track id: {track_id}") from None
        if track is None:
            raise typer.BadParameter(f"no track {track_id}")
        return [track]
    if status is None:
        raise typer.BadParameter("give a TRACK_ID or --status (e.g. --status error --since 2h)")
    if status not in set(TrackStatus):
        raise typer.BadParameter(f"--status must be one of {', '.join(TrackStatus)}")
    query = select(Track).where(Track.track_status_id == status, Track.upload_state == UploadState.STORED)
    if since:
        query = query.where(Track.updated_at >= utcnow() - parse_span(since))
    return list(db.scalars(query.order_by(Track.updated_at).limit(10_000)))


def reprocess(
    track_id: Optional[str] = typer.Argument(None, help="One track; or select with --status/--since"),
    status: Optional[str] = typer.Option(None, help="Every stored track in this status, e.g. error"),
    since: Optional[str] = typer.Option(None, help="With --status: changed within this span (30m, 2h, 7d)"),
):
    """Run processing again for tracks that failed (for example after a storage outage); on this
    server's own database (TONEARM_DATABASE_URL), not over --url."""
    from tonearm.catalog.tracks import mark_for_reprocess
    from tonearm.errors import Conflict
    from tonearm.runtime import build_runtime
    from tonearm.settings import get_settings

    rt = build_runtime(get_settings())
    with rt.unit() as db:
        tracks, queued = _select(db, track_id, status, since), []
        for track in tracks:
            try:
                mark_for_reprocess(db, track=track)
                queued.append(track.id)
            except Conflict as exc:
                typer.echo(f"tonearm: {track.id}: {exc.message}", err=True)
    for tid in queued:  # after the commit
        rt.enqueue("processing.track", tid)
    typer.echo(f"tonearm: queued {len(queued)} track(s) for processing", err=True)
    if track_id and not queued:
        raise typer.Exit(1)
