"""GET /v1/webhook_delivery and POST /v1/webhook_delivery/{id}/redeliver (Tonearm extension)."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import bearer
from tests.receiver import Receiver
from tests.webhooks.outbox_helpers import add_row, ago, read_row

FIELDS = {"id", "organization_id", "track_id", "event", "url", "status", "attempts", "last_status_code", "last_error",
          "next_attempt_at", "last_attempt_at", "delivered_at", "created_at", "payload"}


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _list(client, org, query: str = "") -> dict:
    r = client.get(f"/v1/webhook_delivery{query}", headers=org.headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_list_filters_pages_and_stays_in_the_organization(client, settings, org, other_org):
    t1, t2 = uuid.uuid4(), uuid.uuid4()
    mine = [add_row(settings, org.id, "http://127.0.0.1:9/a", track_id=t1, created_at=ago(30 - n)) for n in range(3)]
    failed = add_row(settings, org.id, "http://127.0.0.1:9/a", track_id=t2, status="failed", attempts=6,
                     last_status_code=500, last_error="HTTP 500", created_at=ago(1))
    theirs = add_row(settings, other_org.id, "http://127.0.0.1:9/b", track_id=t1)

    body = _list(client, org)
    assert body["count"] == 4 and [d["id"] for d in body["webhook_deliveries"]] == [failed, *reversed(mine)]
    first = body["webhook_deliveries"][0]
    assert set(first) == FIELDS and "secret" not in str(first)
    assert first["status"] == "failed" and first["last_error"] == "HTTP 500" and first["track_id"] == str(t2)
    assert first["payload"] == {"event": "track.status_changed", "n": 1}

    assert [d["id"] for d in _list(client, org, f"?track_id={t1}")["webhook_deliveries"]] == list(reversed(mine))
    assert [d["id"] for d in _list(client, org, "?status=failed")["webhook_deliveries"]] == [failed]
    assert _list(client, org, f"?status=failed&track_id={t1}")["count"] == 0
    page = _list(client, org, "?limit=2&offset=1")
    assert (page["count"], page["limit"], page["offset"]) == (4, 2, 1)
    assert [d["id"] for d in page["webhook_deliveries"]] == [mine[2], mine[1]]
    assert [d["id"] for d in _list(client, other_org)["webhook_deliveries"]] == [theirs]

    for query in ("?status=lost", "?track_id=nope", "?limit=0"):
        r = client.get(f"/v1/webhook_delivery{query}", headers=org.headers)
        assert r.status_code == 400 and r.json()["ok"] is False, query
    assert client.get("/v1/webhook_delivery", headers=bearer(org.key("player"))).status_code == 403
    assert client.get("/v1/webhook_delivery").status_code == 401


def test_redeliver_sends_again_with_the_same_id(client, settings, org, other_org, receiver):
    did = add_row(settings, org.id, receiver.url, status="failed", attempts=6, last_status_code=500,
                  last_error="HTTP 500")
    r = client.post(f"/v1/webhook_delivery/{did}/redeliver", headers=org.headers)
    assert r.status_code == 200, r.text
    out = r.json()["webhook_delivery"]
    assert r.json()["webhook_delivery_id"] == did
    # the tests' inline queue has sent it already: a fresh retry schedule, one attempt
    assert out["status"] == "delivered" and out["attempts"] == 1 and out["last_status_code"] == 200
    assert out["last_error"] is None and out["delivered_at"] and out["next_attempt_at"] is None
    # a delivered one may be redelivered too; the id stays, so the receiver can dedupe
    assert client.post(f"/v1/webhook_delivery/{did}/redeliver", headers=org.headers).status_code == 200
    assert [h["X-Tonearm-Delivery"] for h, _ in receiver.requests] == [did, did]

    for headers, target in ((other_org.headers, did), (org.headers, str(uuid.uuid4()))):
        r = client.post(f"/v1/webhook_delivery/{target}/redeliver", headers=headers)
        assert r.status_code == 404 and r.json()["ok"] is False
    assert len(receiver.requests) == 2


def test_redeliver_without_a_consumer_leaves_it_due_for_the_sweep(settings, org, receiver):
    from starlette.testclient import TestClient

    from tonearm.api.app import create_app
    from tonearm.jobs.queue import MemoryQueue

    queue = MemoryQueue()
    did = add_row(settings, org.id, receiver.url, status="failed", attempts=6)
    with TestClient(create_app(settings, queue=queue)) as client:
        r = client.post(f"/v1/webhook_delivery/{did}/redeliver", headers=org.headers)
    assert r.status_code == 200 and r.json()["webhook_delivery"]["status"] == "pending"
    assert queue.jobs == [("webhooks.deliver", did)]
    row = read_row(settings, did)
    assert row.status == "pending" and row.attempts == 0 and row.next_attempt_at <= ago(0)


def test_openapi_documents_the_extension(client):
    paths = client.get("/openapi.json").json()["paths"]
    listing = paths["/v1/webhook_delivery"]["get"]
    redeliver = paths["/v1/webhook_delivery/{delivery_id}/redeliver"]["post"]
    for op in (listing, redeliver):
        assert op["tags"] == ["webhooks"] and "Tonearm extension" in op["summary"] and op["description"]
    assert {p["name"] for p in listing["parameters"]} == {"limit", "offset", "track_id", "status"}
