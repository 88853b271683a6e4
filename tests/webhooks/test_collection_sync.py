"""Collection Sync webhook: collection.created / updated / deleted to the organization's webhook_url,
recorded with the change, signed, retried like every delivery (a real receiver; SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

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


def _hook(client, org, url) -> str:
    r = client.put(f"/v1/organization/{org.id}", json={"webhook_url": url}, headers=org.headers)
    assert r.status_code == 200
    return r.json()["organization"]["webhook_secret"]


def _received(receiver, secret) -> list[dict]:
    out = []
    for headers, body in receiver.requests:
        assert signing.verify(secret, body, headers["X-Tonearm-Signature"])
        payload = json.loads(body)
        assert headers["X-ADN-Event"] == payload["event"] and headers["X-Tonearm-Delivery"]
        out.append(payload)
    return out


def test_create_update_delete_each_send_a_signed_event(client, org, receiver):
    secret = _hook(client, org, receiver.url)
    col = client.post("/v1/collection", json={"title": "Live", "organization_index": "ext-1"},
                      headers=org.headers).json()["collection"]
    r = client.put(f"/v1/collection/{col['id']}", json={"title": "Live at home", "player_color": "#3366ff"},
                   headers=org.headers)
    assert r.status_code == 200
    assert client.delete(f"/v1/collection/{col['id']}", headers=org.headers).status_code == 200

    created, updated, deleted = _received(receiver, secret)
    assert [created["event"], updated["event"], deleted["event"]] == [
        "collection.created", "collection.updated", "collection.deleted"]
    for p in (created, updated, deleted):
        assert p["collection_id"] == col["id"] and p["organization_id"] == str(org.id)
        assert p["collection"]["id"] == col["id"] and p["occurred_at"]
    assert created["collection"]["title"] == "Live" and created["collection"]["organization_index"] == "ext-1"
    assert updated["collection"]["title"] == "Live at home" and updated["collection"]["player_color"] == "#3366ff"
    assert set(updated["changed"]) >= {"title", "player_color"} and "organization_index" not in updated["changed"]
    assert deleted["collection"]["title"] == "Live at home"
    with session_scope(client.app.state.runtime.settings.database_url) as db:
        rows = list(db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))
    assert [r.event for r in rows] == ["collection.created", "collection.updated", "collection.deleted"]
    assert all(r.status == "delivered" and r.track_id is None for r in rows)


def test_no_webhook_url_no_rows(client, org, receiver):
    col = client.post("/v1/collection", json={"title": "Quiet"}, headers=org.headers).json()["collection"]
    client.put(f"/v1/collection/{col['id']}", json={"title": "Still quiet"}, headers=org.headers)
    with session_scope(client.app.state.runtime.settings.database_url) as db:
        assert db.scalars(select(WebhookDelivery)).all() == []
    assert receiver.requests == []


def test_failing_receiver_is_retried_with_the_same_delivery(client, org, receiver):
    secret = _hook(client, org, receiver.url)
    receiver.statuses = [500]
    col = client.post("/v1/collection", json={"title": "Flaky"}, headers=org.headers).json()["collection"]
    assert len(receiver.requests) == 1  # the first attempt failed; its retry is scheduled
    settings = client.app.state.runtime.settings
    with session_scope(settings.database_url) as db:
        (row,) = db.scalars(select(WebhookDelivery)).all()
        assert row.status == "pending" and row.attempts == 1 and row.last_status_code == 500
        delivery_id = str(row.id)

    deliver(client.app.state.runtime, delivery_id)  # the retry's queue message arrives

    first, second = _received(receiver, secret)
    assert first == second and second["event"] == "collection.created" and second["collection_id"] == col["id"]
    ids = [h["X-Tonearm-Delivery"] for h, _ in receiver.requests]
    assert ids == [delivery_id, delivery_id]
    with session_scope(settings.database_url) as db:
        row = db.get(WebhookDelivery, uuid.UUID(delivery_id))
        assert row.status == "delivered" and row.attempts == 2
