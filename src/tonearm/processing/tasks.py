"""Job bodies: fetch the original → media → store variants → status → webhooks.

processing.track    the whole ladder for one track (idempotent; only missing variants are made)
processing.cover    a new cover for a processed track: redo the cover variant and colours
processing.collection_cover   sizes and colours of a collection's uploaded cover
processing.reap     (periodic) re-enqueue tracks whose worker died or whose message was lost

Every body takes the process's `Runtime` first (tonearm/tasks.py hands them to the queue).
The media work (processing.run, processing.covers: PyAV, numpy, Pillow) is imported inside the
bodies: the API process loads this table too, only to enqueue, and stays lighter without them.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
import uuid
from pathlib import Path

from sqlalchemy.exc import InterfaceError, OperationalError

from tonearm.catalog.models import Collection, Track, TrackFile
from tonearm.catalog.states import TrackStatus, UploadState
from tonearm.catalog.tracks import keep_active, variants_for_track, want_again
from tonearm.db.base import utcnow
from tonearm.jobs.runtime import Runtime
from tonearm.media import MediaError, MediaInitError
from tonearm.processing import lease
from tonearm.processing.faults import FAULTS, InfrastructureFault, RenderProcessDied, backoff, describe
from tonearm.processing.settle import finish

log = logging.getLogger("tonearm.processing")


def _workdir(settings) -> Path:
    root = settings.data_dir / "work"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="job-", dir=root))


def fail(rt: Runtime, track_id: uuid.UUID, status: TrackStatus, reason: str) -> None:
    """End a track in a terminal error status, with webhooks."""
    finish(rt, track_id, status=status, reason=reason, records=[])


def process_track(rt: Runtime, track_id: str) -> None:
    settings = rt.settings
    tid = uuid.UUID(track_id)
    claimed = lease.claim(rt, tid)
    if claimed is None:
        return  # done already, or another worker holds a live lease
    token, attempt = claimed
    if attempt > settings.job_max_attempts:
        fail(rt, tid, TrackStatus.ERROR, f"Processing gave up after {settings.job_max_attempts} attempts")
        return
    from tonearm.processing.run import process

    work = _workdir(settings)
    try:
        with lease.Heartbeat(rt, tid, token):
            process(rt, tid, work)
    except MediaInitError as exc:
        fail(rt, tid, TrackStatus.INIT_ERROR, exc.reason if hasattr(exc, "reason") else str(exc))
    except MediaError as exc:
        fail(rt, tid, TrackStatus.ERROR, str(exc))
    except InfrastructureFault as exc:
        _retry_later(rt, tid, token, exc.kind, exc.waiting_for)
    except (OperationalError, InterfaceError) as exc:  # the database went away mid-run
        _retry_later(rt, tid, token, "database", describe(exc))
    except Exception as exc:  # never crash the worker; retry through the lease
        log.exception("processing.track %s failed (attempt %s)", track_id, attempt)
        if attempt >= settings.job_max_attempts:
            said = str(exc) if isinstance(exc, RenderProcessDied) else type(exc).__name__
            fail(rt, tid, TrackStatus.ERROR, f"Processing failed: {said}")
        else:
            lease.release(rt, tid, token)
            rt.enqueue("processing.track", track_id, delay=5 * attempt)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _retry_later(rt: Runtime, tid: uuid.UUID, token: str, kind: str, waiting_for: str) -> None:
    """An infrastructure fault: keep the track waiting (status_text says for what), retry with
    backoff through the lease, give up with `error` only after the deadline. Never `init_error`."""
    FAULTS.labels(kind).inc()
    log.error("processing.track %s waits for the %s: %s", tid, kind, waiting_for)
    now, deadline = utcnow(), rt.settings.infra_retry_deadline_seconds
    try:
        with rt.unit() as db:
            track = db.get(Track, tid)
            if track is None or track.lease_token != token:
                return
            since = track.fault_since or now
            give_up = (now - since).total_seconds() >= deadline
            if not give_up:
                track.fault_since, track.fault_count = since, (track.fault_count or 0) + 1
                track.attempts = max(0, track.attempts - 1)  # not the track's fault: no attempt used
                delay = backoff(track.fault_count, rt.settings.infra_retry_base_seconds)
                track.status_text = (f"Waiting for the {kind} ({waiting_for}); "
                                     f"retry {track.fault_count} in {delay:.0f} s")[:1000]
                # The lease lapses when the retry is due: a lost message is re-enqueued by the reaper.
                track.lease_expires_at = now + dt.timedelta(seconds=delay)
                track.lease_token = None
    except (OperationalError, InterfaceError):
        log.error("processing.track %s: the database is away too; the lease lapses and the reaper retries", tid)
        return
    if give_up:
        fail(rt, tid, TrackStatus.ERROR, f"Gave up after {deadline // 3600 or deadline} "
             f"{'h' if deadline >= 3600 else 's'} of {kind} faults: {waiting_for}")
    else:
        rt.enqueue("processing.track", tid, delay=delay)


def process_cover(rt: Runtime, track_id: str) -> None:
    """A cover arrived after the audio: redo the cover variant (and colours) via the track job."""
    tid = uuid.UUID(track_id)
    with rt.unit() as db:
        track = db.get(Track, tid)
        if track is None or track.upload_state != UploadState.STORED or track.cover_key is None:
            return
        cover_ids = [v.id for v in variants_for_track(db, track) if v.variant_type_id == "cover"]
        if cover_ids:
            db.query(TrackFile).filter(TrackFile.track_id == tid, TrackFile.variant_id.in_(cover_ids)).delete(
                synchronize_session=False
            )
        # Waiting again unless it waits already (a `fallback` stays playable); a running run
        # re-reads what is wanted. Decided by the database at the write, not on the row read above.
        want_again(db, track, track_status_id=keep_active(Track.track_status_id, TrackStatus.PROCESSING),
                   attempts=keep_active(Track.attempts, 0))
    process_track(rt, track_id)


def process_collection_cover(rt: Runtime, collection_id: str) -> None:
    cid = uuid.UUID(collection_id)
    with rt.unit() as db:
        col = db.get(Collection, cid)
        if col is None or col.cover_key is None:
            return
        source = col.cover_key
    from tonearm.processing.covers import collection_cover_sizes

    work = _workdir(rt.settings)
    try:
        sizes, colors, chosen = collection_cover_sizes(rt.storage, cid, source, work)
    except MediaError as exc:
        log.warning("collection cover %s rejected: %s", collection_id, exc)
        return
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with rt.unit() as db:
        col = db.get(Collection, cid)
        if col is None:
            return
        col.cover_sizes = sizes
        if col.is_theme_overridable or not col.theme:
            col.theme = colors
        if not col.player_color and chosen:
            col.player_color = chosen


def reap(rt: Runtime) -> None:
    try:
        stale = lease.stale_tracks(rt, idle_seconds=rt.settings.reap_interval_seconds * 2)
    except OperationalError as exc:  # database away (restart, failover): the next sweep catches up
        log.warning("processing.reap skipped: database unavailable (%s)", str(exc.orig or exc).splitlines()[0][:200])
        return
    for tid in stale:
        rt.enqueue("processing.track", tid)


JOBS = {
    "processing.track": process_track,
    "processing.cover": process_cover,
    "processing.collection_cover": process_collection_cover,
}
PERIODIC = {"processing.reap": reap}
