"""Leases: the database says who processes a track and until when.

A worker claims a track by moving its lease forward atomically; it renews the lease while it
works. A worker that dies leaves an expired lease behind, and the reaper re-enqueues the track
(up to job_max_attempts, then the track ends in `error`)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

from sqlalchemy import and_, or_, select, update

from tonearm.catalog.models import Track
from tonearm.catalog.states import ACTIVE, FINISHED_PLAYABLE, UploadState
from tonearm.db.base import utcnow
from tonearm.jobs.runtime import Runtime


def needs_work():
    """Waiting for (or in) processing, or ready early with optional variants still to make (a run
    settled it early and holds, or held, its lease: settle.py). Tracks nobody ever claimed have no
    lease, so a ready track made by other means is never taken for one in its second phase."""
    return or_(Track.track_status_id.in_(ACTIVE),
               and_(Track.track_status_id.in_(FINISHED_PLAYABLE), Track.files_completed_at.is_(None),
                    Track.lease_expires_at.is_not(None)))


def claim(rt: Runtime, track_id: uuid.UUID) -> tuple[str, int] | None:
    """Take the lease on a track that needs processing. Returns (token, attempt) or None."""
    now = utcnow()
    token = uuid.uuid4().hex
    with rt.unit() as db:
        result = db.execute(
            update(Track)
            .where(
                Track.id == track_id,
                Track.upload_state == UploadState.STORED,
                needs_work(),
                or_(Track.lease_expires_at.is_(None), Track.lease_expires_at < now),
            )
            .values(
                lease_expires_at=now + dt.timedelta(seconds=rt.settings.job_lease_seconds),
                lease_token=token,
                attempts=Track.attempts + 1,
            )
        )
        if result.rowcount != 1:
            return None
        attempts = db.scalar(select(Track.attempts).where(Track.id == track_id))
    return token, attempts


def renew(rt: Runtime, track_id: uuid.UUID, token: str) -> bool:
    with rt.unit() as db:
        result = db.execute(
            update(Track)
            .where(Track.id == track_id, Track.lease_token == token)
            .values(lease_expires_at=utcnow() + dt.timedelta(seconds=rt.settings.job_lease_seconds))
        )
        return result.rowcount == 1


def release(rt: Runtime, track_id: uuid.UUID, token: str) -> None:
    """Let the lease lapse now, so a retry (or the reaper) can claim the track at once."""
    with rt.unit() as db:
        db.execute(update(Track).where(Track.id == track_id, Track.lease_token == token)
                   .values(lease_expires_at=utcnow()))


class Heartbeat:
    """Renew a lease every third of its length until stopped."""

    def __init__(self, rt: Runtime, track_id: uuid.UUID, token: str):
        self._args = (rt, track_id, token)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{track_id}", daemon=True)

    def _run(self) -> None:
        interval = max(1.0, self._args[0].settings.job_lease_seconds / 3)
        while not self._stop.wait(interval):
            try:
                renew(*self._args)
            except Exception:  # a missed renewal is retried; the lease is generous
                pass

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def stale_tracks(rt: Runtime, *, idle_seconds: int) -> list[uuid.UUID]:
    """Tracks waiting for processing whose lease expired, or that nobody claimed for a while."""
    now = utcnow()
    with rt.unit() as db:
        return list(
            db.scalars(
                select(Track.id).where(
                    Track.upload_state == UploadState.STORED,
                    needs_work(),
                    or_(
                        Track.lease_expires_at < now,
                        Track.lease_expires_at.is_(None) & (Track.updated_at < now - dt.timedelta(seconds=idle_seconds)),
                    ),
                ).limit(500)
            )
        )
