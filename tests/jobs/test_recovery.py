"""The database is the truth, the queue a hint: a message that never reaches a worker (dropped
from the queue, or refused while Redis is down) is re-enqueued by the reaper and the track is
processed; the upload request itself never fails because of the queue."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.audiogen import write_audio
from tests.helpers import create_collection, create_track, upload_bytes
from tonearm.api.app import create_app
from tonearm.settings import Settings

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture
def queue_kind() -> str:
    return "redis"


@pytest.fixture
def settings(database_url, tmp_path, request, queue_kind) -> Settings:
    if queue_kind == "redis":
        queue_url = request.getfixturevalue("redis_server").url
    else:  # the PostgreSQL queue, in Tonearm's own database
        queue_url = f"{database_url}?queue=test-{uuid.uuid4().hex[:8]}"
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-" + uuid.uuid4().hex,
        public_url="http://testserver",
        queue_url=queue_url,
        reap_interval_seconds=1,  # idle threshold 2 s
        job_lease_seconds=6,
    )


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def audio(tmp_path) -> bytes:
    return write_audio(tmp_path / "a.wav", "wav", seconds=1.5).read_bytes()


def _upload(client, org, audio: bytes) -> str:
    col = create_collection(client, org)["id"]
    created = create_track(client, org, col, file_name="a.wav")
    r = upload_bytes(client, created["track_upload"]["upload_url"], audio)
    assert r.status_code == 200, r.text
    return created["track_id"], r.json()


def _status(client, org, track_id: str) -> str:
    r = client.get(f"/v1/track/{track_id}", headers=org.headers)
    assert r.status_code == 200, r.text
    return r.json()["track"]["track_status_id"]


def _wait_terminal(client, org, track_id: str, timeout: float = 60.0) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = _status(client, org, track_id)
        if status in ("ready", "incomplete", "error", "init_error"):
            return status
        time.sleep(0.2)
    return status


@pytest.mark.parametrize("queue_kind", ["redis", "postgres"])
def test_dropped_message_is_recovered_by_the_reaper(app, client, org, audio, settings):
    queue = app.state.runtime.queue
    track_id, body = _upload(client, org, audio)
    assert body["job_id"] is not None
    assert queue.huey.pending_count() == 1
    queue.huey.flush()  # the message is lost (a Redis without persistence restarted, say)
    assert queue.huey.pending_count() == 0
    assert _status(client, org, track_id) == "processing"

    consumer = queue.start_consumer(workers=1, reap_interval=settings.reap_interval_seconds)
    try:
        assert _wait_terminal(client, org, track_id) == "ready"
    finally:
        consumer.stop(graceful=True)


def test_upload_while_redis_is_down_succeeds_and_is_processed_later(app, client, org, audio, settings,
                                                                    redis_server):
    queue = app.state.runtime.queue
    redis_server.stop()
    track_id, body = _upload(client, org, audio)
    assert body["job_id"] is None  # not enqueued; the row says "processing"
    assert _status(client, org, track_id) == "processing"

    redis_server.start()
    consumer = queue.start_consumer(workers=1, reap_interval=settings.reap_interval_seconds)
    try:
        assert _wait_terminal(client, org, track_id) == "ready"
    finally:
        consumer.stop(graceful=True)
