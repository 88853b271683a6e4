"""S3 answering 503 or hanging is the storage's fault, not the upload's: the track waits with a
status that says so, nothing is deleted, and it becomes ready once S3 behaves (real S3 API: moto,
behind a fault-injecting HTTP proxy)."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from tests.audiogen import write_audio
from tests.faults.httpfault import FaultyHttpProxy
from tests.fixtures import app_with_queue, sqlite_database_url  # noqa: F401  (fixtures)
from tests.helpers import create_collection
from tests.storage.s3server import s3_bucket, s3_endpoint  # noqa: F401  (fixtures)
from tonearm.catalog.models import Track, TrackFile
from tonearm.db.session import session_scope
from tonearm.jobs.queue import MemoryQueue
from tonearm.processing.tasks import process_track
from tonearm.settings import Settings


@pytest.fixture
def proxy(s3_endpoint):  # noqa: F811
    p = FaultyHttpProxy(s3_endpoint).start()
    yield p
    p.stop()


@pytest.fixture
def settings(database_url, tmp_path, s3_bucket, proxy):  # noqa: F811
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, secret_key="s3f-" + uuid.uuid4().hex,
        public_url="http://testserver", queue_url="memory://", storage_url=f"s3://{s3_bucket}/tonearm",
        s3_endpoint_url=proxy.url, delivery="redirect",
    )


@pytest.fixture
def queue():
    return MemoryQueue()


def _track(settings, tid) -> Track:
    with session_scope(settings.database_url) as db:
        t = db.get(Track, tid)
        db.expunge(t)
        return t


def test_s3_503_then_a_hang_then_ready(client, org, settings, proxy, tmp_path):
    rt = client.app.state.runtime
    col = create_collection(client, org)["id"]
    created = client.post("/v1/track", json={"collection_id": col, "file_name": "a.wav"}, headers=org.headers).json()
    tid = uuid.UUID(created["track_id"])
    audio = write_audio(tmp_path / "a.wav", "wav", seconds=1.0).read_bytes()
    httpx.put(created["track_upload"]["upload_url"], content=audio, timeout=30).raise_for_status()
    r = client.post(created["track_upload"]["complete_url"].replace("http://testserver", ""))
    assert r.status_code == 200, r.text

    proxy.mode = "503"  # every S3 request: 503 (boto3 retries, then gives up)
    process_track(rt, str(tid))
    track = _track(settings, tid)
    assert track.track_status_id == "processing" and "Waiting for the storage" in track.status_text, track.status_text
    assert track.fault_count == 1 and proxy.counts["503"] >= 2

    proxy.mode, proxy.hang_once, proxy.hang_seconds = "hang", True, 10.0  # the next request hangs 10 s
    with session_scope(settings.database_url) as db:
        db.get(Track, tid).lease_expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    process_track(rt, str(tid))
    track = _track(settings, tid)
    assert proxy.counts["hang"] == 1
    assert track.track_status_id == "ready", track.status_text
    assert rt.storage.stat(track.original_key) is not None  # never deleted
    with session_scope(settings.database_url) as db:
        per_variant = db.execute(select(TrackFile.variant_id, func.count()).where(TrackFile.track_id == tid)
                                 .group_by(TrackFile.variant_id)).all()
    assert per_variant and all(n == 1 for _, n in per_variant)  # no duplicate variants
