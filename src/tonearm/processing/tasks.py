"""Job bodies: fetch the original → media → store variants → status → webhooks.

processing.track    the whole ladder for one track (idempotent; only missing variants are made)
processing.cover    a new cover for a processed track: redo the cover variant and colours
processing.collection_cover   sizes and colours of a collection's uploaded cover
processing.reap     (periodic) re-enqueue tracks whose worker died or whose message was lost
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from tonearm.catalog.models import Collection, Track, TrackFile
from tonearm.catalog.tracks import variants_for_track
from tonearm.db.base import utcnow
from tonearm.db.session import session_scope
from tonearm.jobs.registry import job, periodic
from tonearm.media import MediaError, MediaInitError
from tonearm.processing import lease
from tonearm.processing.context import context
from tonearm.processing.covers import collection_cover_sizes
from tonearm.processing.run import process

log = logging.getLogger("tonearm.processing")


def _workdir(settings) -> Path:
    root = settings.data_dir / "work"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="job-", dir=root))


def fail(track_id: uuid.UUID, status: str, reason: str) -> None:
    """End a track in a terminal error status, with webhooks."""
    from tonearm.processing.run import finish

    finish(context(), track_id, status=status, reason=reason, records=[])


@job("processing.track")
def process_track(track_id: str) -> None:
    ctx = context()
    settings = ctx.settings
    tid = uuid.UUID(track_id)
    claimed = lease.claim(settings.database_url, tid, settings.job_lease_seconds, settings.job_max_attempts)
    if claimed is None:
        return  # done already, or another worker holds a live lease
    token, attempt = claimed
    if attempt > settings.job_max_attempts:
        fail(tid, "error", f"Processing gave up after {settings.job_max_attempts} attempts")
        return
    work = _workdir(settings)
    try:
        with lease.Heartbeat(settings.database_url, tid, token, settings.job_lease_seconds):
            process(ctx, tid, work)
    except MediaInitError as exc:
        fail(tid, "init_error", exc.reason if hasattr(exc, "reason") else str(exc))
    except MediaError as exc:
        fail(tid, "error", str(exc))
    except Exception as exc:  # never crash the worker; retry through the lease
        log.exception("processing.track %s failed (attempt %s)", track_id, attempt)
        if attempt >= settings.job_max_attempts:
            fail(tid, "error", f"Processing failed: {type(exc).__name__}")
        else:
            with session_scope(settings.database_url) as db:
                db.execute(update(Track).where(Track.id == tid, Track.lease_token == token).values(lease_expires_at=utcnow()))
            ctx.queue.enqueue("processing.track", track_id, delay=5 * attempt)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@job("processing.cover")
def process_cover(track_id: str) -> None:
    """A cover arrived after the audio: redo the cover variant (and colours) via the track job."""
    ctx = context()
    tid = uuid.UUID(track_id)
    with session_scope(ctx.settings.database_url) as db:
        track = db.get(Track, tid)
        if track is None or track.upload_state != "stored" or track.cover_key is None:
            return
        cover_ids = [v.id for v in variants_for_track(db, track) if v.variant_type_id == "cover"]
        if cover_ids:
            db.query(TrackFile).filter(TrackFile.track_id == tid, TrackFile.variant_id.in_(cover_ids)).delete(
                synchronize_session=False
            )
        if track.track_status_id not in lease.ACTIVE:
            track.track_status_id = "processing"
            track.lease_expires_at = None
            track.attempts = 0
    process_track(track_id)


@job("processing.collection_cover")
def process_collection_cover(collection_id: str) -> None:
    ctx = context()
    cid = uuid.UUID(collection_id)
    with session_scope(ctx.settings.database_url) as db:
        col = db.get(Collection, cid)
        if col is None or col.cover_key is None:
            return
        source = col.cover_key
    work = _workdir(ctx.settings)
    try:
        sizes, colors, chosen = collection_cover_sizes(ctx, cid, source, work)
    except MediaError as exc:
        log.warning("collection cover %s rejected: %s", collection_id, exc)
        return
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with session_scope(ctx.settings.database_url) as db:
        col = db.get(Collection, cid)
        if col is None:
            return
        col.cover_sizes = sizes
        if col.is_theme_overridable or not col.theme:
            col.theme = colors
        if not col.player_color and chosen:
            col.player_color = chosen


@periodic("processing.reap")
def reap() -> None:
    ctx = context()
    try:
        stale = lease.stale_tracks(ctx.settings.database_url, idle_seconds=ctx.settings.reap_interval_seconds * 2)
    except OperationalError as exc:  # database away (restart, failover): the next sweep catches up
        log.warning("processing.reap skipped: database unavailable (%s)", str(exc.orig or exc).splitlines()[0][:200])
        return
    for tid in stale:
        ctx.queue.enqueue("processing.track", str(tid))
    from tonearm.uploads.completion import Deps, sweep

    sweep(Deps.of(ctx))  # S3 mode: uploads that landed but were never reported (no-op on local disk)


__all__ = ["process_track", "process_cover", "process_collection_cover", "reap"]
