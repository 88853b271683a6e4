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


def test_a_run_that_died_after_the_early_ready_is_taken_over(client, org, settings, queue, tmp_path):
    """A worker killed while making optional variants leaves a `ready` track with an expired lease
    and no files_completed_at: the reaper finds it, a new run makes the rest and stamps it."""
    from tests.audiogen import write_audio
    from tonearm.catalog.models import TrackFile
    from tonearm.catalog.tracks import add_org_variant

    with session_scope(settings.database_url) as db:
        add_org_variant(db, organization_id=org.id, index="opt-64", variant_type_id="transcode",
                        settings={"codec": "mp3", "bitrate": 64}, is_required=False)
    col = create_collection(client, org)
    created = create_track(client, org, col["id"], "a.wav")
    tid = uuid.UUID(created["track_id"])
    audio = write_audio(tmp_path / "a.wav", "wav", seconds=2).read_bytes()
    upload_bytes(client, created["track_upload"]["upload_url"], audio)
    rt = client.app.state.runtime
    process_track(rt, str(tid))
    with session_scope(settings.database_url) as db:  # as if that run had died before its last step
        db.query(TrackFile).filter(TrackFile.track_id == tid, TrackFile.variant_index == "opt-64").delete()
        track = db.get(Track, tid)
        assert track.track_status_id == "ready" and track.files_completed_at is not None
        track.files_completed_at = None
        track.lease_expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)
    assert lease.stale_tracks(rt, idle_seconds=60) == []  # its lease is live: nobody takes it
    assert lease.claim(rt, tid) is None
    with session_scope(settings.database_url) as db:
        db.get(Track, tid).lease_expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert lease.stale_tracks(rt, idle_seconds=60) == [tid]
    process_track(rt, str(tid))
    with session_scope(settings.database_url) as db:
        track = db.get(Track, tid)
        assert track.track_status_id == "ready" and track.files_completed_at is not None
        assert track.lease_expires_at is None and track.lease_token is None
        files = {f.variant_index: f.is_success for f in db.query(TrackFile).filter(TrackFile.track_id == tid)}
    assert files["opt-64"] is True
    assert lease.stale_tracks(rt, idle_seconds=60) == []

    with session_scope(settings.database_url) as db:  # the optional work keeps killing its workers
        db.query(TrackFile).filter(TrackFile.track_id == tid, TrackFile.variant_index == "opt-64").delete()
        track = db.get(Track, tid)
        track.files_completed_at, track.attempts = None, settings.job_max_attempts
        track.lease_expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    process_track(rt, str(tid))
    with session_scope(settings.database_url) as db:
        track = db.get(Track, tid)  # giving up fails the optional variant, never the ready track
        assert track.track_status_id == "ready" and track.files_completed_at is not None
        opt = db.query(TrackFile).filter(TrackFile.track_id == tid, TrackFile.variant_index == "opt-64").one()
    assert not opt.is_success and "gave up" in opt.status_text


def test_a_ready_track_nobody_processed_is_never_taken(client, org, settings):
    tid = _uploaded(client, org)
    with session_scope(settings.database_url) as db:  # made ready by other means: no lease, no stamp
        track = db.get(Track, tid)
        track.track_status_id, track.files_completed_at, track.lease_expires_at = "ready", None, None
        track.updated_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert lease.stale_tracks(client.app.state.runtime, idle_seconds=60) == []
    assert lease.claim(client.app.state.runtime, tid) is None
