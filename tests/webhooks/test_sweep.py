"""The queue forgets every webhook message; the sweep still delivers every event, once each."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from tests.audiogen import write_audio
from tests.helpers import create_collection, upload_bytes
from tests.receiver import Receiver
from tonearm.db.base import utcnow
from tonearm.db.session import session_scope
from tonearm.jobs.queue import ImmediateQueue
from tonearm.webhooks.models import WebhookDelivery
from tonearm.webhooks.tasks import sweep


class ForgetfulQueue(ImmediateQueue):
    """Runs processing inline; every webhooks message is lost (a Redis wiped, an enqueue refused)."""

    def __init__(self) -> None:
        super().__init__()
        self.lost: list[str] = []

    def enqueue(self, name: str, obj_id: str, delay: float = 0):
        if name.startswith("webhooks."):
            self.lost.append(obj_id)
            return None
        return super().enqueue(name, obj_id, delay)


@pytest.fixture
def queue():
    return ForgetfulQueue()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_sweep_sends_deliveries_the_queue_never_got(client, app, org, queue, tmp_path, receiver):
    col = create_collection(client, org)  # before the URL is set: only the track's deliveries
    client.put(f"/v1/organization/{org.id}", json={"webhook_url": receiver.url, "webhook_url_file": receiver.url},
               headers=org.headers)
    created = client.post("/v1/track", json={"collection_id": col["id"], "file_name": "a.wav"}, headers=org.headers).json()
    upload_bytes(client, created["track_upload"]["upload_url"], write_audio(tmp_path / "a.wav", "wav", seconds=1).read_bytes())
    assert client.get(f"/v1/track/{created['track_id']}", headers=org.headers).json()["track"]["track_status_id"] == "ready"
    assert receiver.requests == [] and len(queue.lost) > 1
    settings = app.state.runtime.settings
    with session_scope(settings.database_url) as db:
        rows = list(db.scalars(select(WebhookDelivery)))
    assert {str(r.id) for r in rows} == set(queue.lost)
    assert all(r.status == "pending" and r.track_id == uuid.UUID(created["track_id"]) for r in rows)
    assert all(r.next_attempt_at is not None and r.next_attempt_at <= utcnow() for r in rows)

    sweep(app.state.runtime)  # what the consumer's sweeper does every reap interval

    assert sorted(h["X-Tonearm-Delivery"] for h, _ in receiver.requests) == sorted(queue.lost)
    events = [json.loads(body)["event"] for _, body in receiver.requests]
    assert events.count("track.status_changed") == 1 and "track_file.created" in events
    with session_scope(settings.database_url) as db:
        rows = list(db.scalars(select(WebhookDelivery)))
    assert all(r.status == "delivered" and r.attempts == 1 and r.delivered_at and r.last_attempt_at for r in rows)
    sweep(app.state.runtime)
    assert len(receiver.requests) == len(rows)  # delivered rows are not sent again
