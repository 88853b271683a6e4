"""Leases: one worker at a time, expired leases are found again, attempts are bounded."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.helpers import create_collection, create_track, upload_bytes
from tonearm.catalog.models import Track
from tonearm.db.session import session_scope
from tonearm.jobs.queue import MemoryQueue
from tonearm.processing import lease
from tonearm.processing.tasks import process_track, reap


@pytest.fixture
def queue():
    return MemoryQueue()  # uploads only enqueue; the test drives the job bodies


def _uploaded(client, org):
    col = create_collection(client, org)
    created = create_track(client, org, col["id"], "x.mp3")
    assert upload_bytes(client, created["track_upload"]["upload_url"], b"not audio at all" * 64).status_code == 200
    return uuid.UUID(created["track_id"])


def test_claim_is_exclusive_until_expiry(client, org, settings):
    tid = _uploaded(client, org)
    first = lease.claim(client.app.state.runtime, tid)
    assert first is not None and first[1] == 1
    assert lease.claim(client.app.state.runtime, tid) is None
    assert lease.stale_tracks(client.app.state.runtime, idle_seconds=60) == []
    with session_scope(settings.database_url) as db:
        db.get(Track, tid).lease_expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert lease.stale_tracks(client.app.state.runtime, idle_seconds=60) == [tid]
    assert lease.renew(client.app.state.runtime, tid, first[0]) is True
    assert lease.stale_tracks(client.app.state.runtime, idle_seconds=60) == []
    assert lease.renew(client.app.state.runtime, tid, "someone-else") is False


def test_reaper_enqueues_lost_jobs(client, org, settings, queue):
    tid = _uploaded(client, org)
    queue.jobs.clear()
    with session_scope(settings.database_url) as db:
        db.get(Track, tid).updated_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    reap(client.app.state.runtime)
    assert queue.jobs == [("processing.track", str(tid))]


def test_attempts_are_bounded(client, org, settings):
    tid = _uploaded(client, org)
    with session_scope(settings.database_url) as db:
        db.get(Track, tid).attempts = settings.job_max_attempts
    process_track(client.app.state.runtime, str(tid))
    with session_scope(settings.database_url) as db:
        track = db.get(Track, tid)
        assert track.track_status_id == "error" and "gave up" in track.status_text
        assert track.lease_expires_at is None
