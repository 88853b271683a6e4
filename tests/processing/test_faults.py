"""Infrastructure faults are not the upload's fault: a missing original, a storage that refuses
writes or a database that drops out leave the track waiting (retried with backoff through the
lease), never in init_error; only the deadline ends it, in `error`. Operators can reprocess."""

from __future__ import annotations

import datetime as dt
import errno
import subprocess
import sys
import uuid

import pytest
from sqlalchemy.exc import OperationalError

from tests.audiogen import write_audio
from tests.helpers import create_collection, upload_bytes
from tonearm.catalog.models import Track
from tonearm.db.session import session_scope
from tonearm.jobs.queue import MemoryQueue
from tonearm.processing import renderers
from tonearm.processing.tasks import process_track, reap
from tonearm.storage import keys


@pytest.fixture
def queue():
    return MemoryQueue()  # uploads only enqueue; each test drives the job body


def _uploaded(client, org, tmp_path) -> tuple[uuid.UUID, bytes]:
    audio = write_audio(tmp_path / "a.wav", "wav", seconds=1.0).read_bytes()
    col = create_collection(client, org)["id"]
    created = client.post("/v1/track", json={"collection_id": col, "file_name": "a.wav"}, headers=org.headers).json()
    assert upload_bytes(client, created["track_upload"]["upload_url"], audio).status_code == 200
    return uuid.UUID(created["track_id"]), audio


def _row(settings, tid) -> Track:
    with session_scope(settings.database_url) as db:
        track = db.get(Track, tid)
        db.expunge(track)
        return track


def _lapse_lease(settings, tid) -> None:
    with session_scope(settings.database_url) as db:
        db.get(Track, tid).lease_expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)


def test_missing_original_waits_for_the_storage_then_finishes(client, org, settings, queue, tmp_path):
    rt = client.app.state.runtime
    tid, audio = _uploaded(client, org, tmp_path)
    track = _row(settings, tid)
    key = track.original_key
    held = tmp_path / "held-original"
    held.write_bytes(audio)
    rt.storage.delete(key)  # a worker that sees the wrong storage, or an outage
    queue.jobs.clear()

    process_track(rt, str(tid))
    track = _row(settings, tid)
    assert track.track_status_id == "processing" and track.upload_state == "stored"
    assert "Waiting for the storage" in track.status_text and key in track.status_text
    assert track.fault_count == 1 and track.fault_since is not None and track.attempts == 0
    assert queue.jobs == [("processing.track", str(tid))] and queue.delays[-1] > 0  # retried with backoff
    assert track.lease_expires_at > dt.datetime.now(dt.UTC)  # the lease lapses when the retry is due

    _lapse_lease(settings, tid)
    reap(rt)  # the message could have been lost: the reaper brings the track back
    assert queue.jobs[-1] == ("processing.track", str(tid))

    rt.storage.put(key, held)  # storage is back
    process_track(rt, str(tid))
    track = _row(settings, tid)
    assert track.track_status_id == "ready", track.status_text
    assert track.fault_count == 0 and track.fault_since is None and track.attempts == 0


class _RefusingWrites:
    """The real storage, except that writing variants fails as a full or broken disk would."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def put(self, key, src):
        if "/source" not in key:
            raise OSError(errno.EIO, "Input/output error")
        return self._inner.put(key, src)


def test_storage_write_errors_retry_and_keep_the_original(client, org, settings, queue, tmp_path):
    rt = client.app.state.runtime
    tid, _ = _uploaded(client, org, tmp_path)
    broken = type(rt)(**{**rt.__dict__, "storage": _RefusingWrites(rt.storage)})
    process_track(broken, str(tid))
    track = _row(settings, tid)
    assert track.track_status_id in ("processing", "fallback"), track.status_text
    assert "Waiting for the storage" in track.status_text and "Input/output error" in track.status_text
    assert rt.storage.stat(keys.original(track.index)) is not None  # a failed run never deletes the original


def test_database_dropping_out_mid_run_is_retried(client, org, settings, queue, tmp_path, monkeypatch):
    rt = client.app.state.runtime
    tid, _ = _uploaded(client, org, tmp_path)

    def dropped(*_a, **_k):
        raise OperationalError("UPDATE tracks", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(renderers, "render", dropped)
    process_track(rt, str(tid))
    track = _row(settings, tid)
    assert track.track_status_id in ("processing", "fallback") and "Waiting for the database" in track.status_text
    assert track.attempts == 0 and track.fault_count == 1


def test_faults_end_in_error_only_after_the_deadline(client, org, settings, queue, tmp_path):
    rt = client.app.state.runtime
    tid, _ = _uploaded(client, org, tmp_path)
    rt.storage.delete(_row(settings, tid).original_key)
    with session_scope(settings.database_url) as db:
        db.get(Track, tid).fault_since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    process_track(rt, str(tid))
    track = _row(settings, tid)
    assert track.track_status_id == "error"  # never init_error: the upload itself was fine
    assert track.status_text.startswith("Gave up after 24 h of storage faults")


def test_reprocess_route(client, org, settings, queue, tmp_path):
    rt = client.app.state.runtime
    tid, _ = _uploaded(client, org, tmp_path)
    with session_scope(settings.database_url) as db:
        track = db.get(Track, tid)
        track.track_status_id, track.status_text, track.attempts = "error", "Gave up", 3
    queue.jobs.clear()
    r = client.post(f"/v1/track/{tid}/reprocess", headers=org.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] and body["track"]["track_status_id"] == "processing"
    assert queue.jobs == [("processing.track", str(tid))]
    process_track(rt, str(tid))
    assert _row(settings, tid).track_status_id == "ready"

    col = create_collection(client, org)["id"]
    waiting = client.post("/v1/track", json={"collection_id": col, "file_name": "b.wav"}, headers=org.headers).json()
    r = client.post(f"/v1/track/{waiting['track_id']}/reprocess", headers=org.headers)
    assert r.status_code == 409 and r.json()["ok"] is False and "no stored upload" in r.json()["message"]
    assert client.post(f"/v1/track/{uuid.uuid4()}/reprocess", headers=org.headers).status_code == 404
    assert client.post(f"/v1/track/{tid}/reprocess").status_code == 401


def test_reprocess_command_selects_by_status_and_age(client, org, settings, queue, tmp_path):
    old, _ = _uploaded(client, org, tmp_path)
    recent, _ = _uploaded(client, org, tmp_path)
    with session_scope(settings.database_url) as db:
        for tid, age in ((old, 5), (recent, 0.1)):
            track = db.get(Track, tid)
            track.track_status_id = "error"
            track.updated_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=age)
    env = {"TONEARM_DATA_DIR": str(settings.data_dir), "TONEARM_DATABASE_URL": settings.database_url,
           "TONEARM_SECRET_KEY": settings.secret_key, "TONEARM_QUEUE_URL": "memory://", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "tonearm.cli.main", "tracks", "reprocess", "--status", "error",
                           "--since", "2h"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "queued 1 track(s)" in done.stderr
    assert _row(settings, recent).track_status_id == "processing"
    assert _row(settings, old).track_status_id == "error"
