"""Webhooks: signed deliveries on terminal statuses and per file, retries with backoff."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from tests.audiogen import write_audio
from tests.helpers import create_collection, upload_bytes
from tests.receiver import Receiver
from tonearm.db.session import session_scope
from tonearm.webhooks import signing
from tonearm.webhooks.models import WebhookDelivery
from tonearm.webhooks.tasks import deliver


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_signature_roundtrip():
    body = b'{"a":1}'
    header = signing.sign("whsec_x", body, timestamp=1700000000)
    assert signing.verify("whsec_x", body, header, now=1700000010)
    assert not signing.verify("whsec_y", body, header, now=1700000010)
    assert not signing.verify("whsec_x", body + b" ", header, now=1700000010)
    assert not signing.verify("whsec_x", body, header, now=1700000000 + 301)
    assert not signing.verify("whsec_x", body, "t=abc,v1=00", now=1700000000)


def test_ready_track_sends_signed_events(client, org, tmp_path, receiver):
    secret = client.get(f"/v1/organization/{org.id}", headers=org.headers).json()["organization"]["webhook_secret"]
    assert secret.startswith("whsec_")
    r = client.put(f"/v1/organization/{org.id}", json={"webhook_url": receiver.url, "webhook_url_file": receiver.url},
                   headers=org.headers)
    assert r.status_code == 200
    col = create_collection(client, org)
    created = client.post("/v1/track", json={"collection_id": col["id"], "file_name": "a.wav"}, headers=org.headers).json()
    upload_bytes(client, created["track_upload"]["upload_url"], write_audio(tmp_path / "a.wav", "wav", seconds=1).read_bytes())
    events = {}
    for headers, body in receiver.requests:
        assert signing.verify(secret, body, headers["X-Tonearm-Signature"])
        payload = json.loads(body)
        assert headers["X-ADN-Event"] == payload["event"]
        events.setdefault(payload["event"], []).append(payload)
    (status,) = events["track.status_changed"]
    assert status["status"] == "ready" and status["previous_status"] in ("processing", "fallback")
    assert status["track_id"] == created["track_id"] and status["track"]["files_completed_at"]
    assert {f["variant"]["index"] for f in status["files"]} >= {"hq", "lq", "preview", "levels"}
    assert all(f["is_success"] and f["url"] for f in status["files"])
    created_files = events["track_file.created"]
    assert len(created_files) == len(status["files"]) and "track_file.failed" not in events


def test_failed_track_sends_terminal_status(client, org, tmp_path, receiver):
    col = create_collection(client, org)  # before the URL is set: only the track's delivery
    client.put(f"/v1/organization/{org.id}", json={"webhook_url": receiver.url}, headers=org.headers)
    created = client.post("/v1/track", json={"collection_id": col["id"], "file_name": "x.mp3"}, headers=org.headers).json()
    upload_bytes(client, created["track_upload"]["upload_url"], b"definitely not audio" * 100)
    (req,) = receiver.requests
    payload = json.loads(req[1])
    assert payload["status"] == "init_error" and payload["files"] == []
    assert payload["track"]["files_completed_at"] is None  # init_error never stamps it


def test_retries_with_backoff_then_gives_up(settings, org, receiver, monkeypatch):
    from tonearm.jobs.queue import MemoryQueue
    from tonearm.runtime import build_runtime

    queue = MemoryQueue()
    settings.webhook_max_attempts = 3
    rt = build_runtime(settings, queue=queue)
    receiver.statuses = [500, 503, 500]
    with session_scope(settings.database_url) as db:
        row = WebhookDelivery(id=uuid.uuid4(), organization_id=org.id, event="track.status_changed",
                              url=receiver.url, payload={"event": "track.status_changed"}, status="pending")
        db.add(row)
        delivery_id = str(row.id)
    deliver(rt, delivery_id)
    deliver(rt, delivery_id)
    assert queue.jobs == [("webhooks.deliver", delivery_id)] * 2
    assert queue.delays == [settings.webhook_retry_base_seconds, settings.webhook_retry_base_seconds * 2]
    deliver(rt, delivery_id)
    deliver(rt, delivery_id)  # already failed: nothing more is sent
    assert len(receiver.requests) == 3
    with session_scope(settings.database_url) as db:
        row = db.get(WebhookDelivery, uuid.UUID(delivery_id))
        assert row.status == "failed" and row.attempts == 3 and row.last_status_code == 500


def test_retry_then_success(settings, org, receiver):
    from tonearm.jobs.queue import MemoryQueue
    from tonearm.runtime import build_runtime

    rt = build_runtime(settings, queue=MemoryQueue())
    receiver.statuses = [502]
    with session_scope(settings.database_url) as db:
        row = WebhookDelivery(id=uuid.uuid4(), organization_id=org.id, event="e", url=receiver.url,
                              payload={"x": 1}, status="pending")
        db.add(row)
        delivery_id = str(row.id)
    deliver(rt, delivery_id)
    deliver(rt, delivery_id)
    with session_scope(settings.database_url) as db:
        row = db.scalar(select(WebhookDelivery).where(WebhookDelivery.id == uuid.UUID(delivery_id)))
        assert row.status == "delivered" and row.attempts == 2
    assert [json.loads(b) for _, b in receiver.requests] == [{"x": 1}, {"x": 1}]
