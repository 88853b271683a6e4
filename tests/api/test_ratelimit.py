"""Rate limits: per API key and per play session, 429 in the envelope with Retry-After."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.conftest import Org
from tests.helpers import create_collection, make_ready_track
from tonearm.api.app import create_app


@pytest.fixture
def limited(settings, queue, request):
    settings.rate_limit_key_per_minute, settings.rate_limit_session_per_minute = request.param
    with TestClient(create_app(settings, queue=queue)) as c:
        yield c


@pytest.mark.parametrize("limited", [(5, 0)], indirect=True)
def test_key_limit_answers_429_with_retry_after(limited, settings):
    org, other = Org(settings), Org(settings)
    for _ in range(5):
        assert limited.get("/v1/collection", headers=org.headers).status_code == 200
    r = limited.get("/v1/collection", headers=org.headers)
    assert r.status_code == 429
    body = r.json()
    assert body["ok"] is False and "Too many requests" in body["message"] and body["api_request_id"]
    assert 1 <= int(r.headers["retry-after"]) <= 60
    # Another key has its own budget.
    assert limited.get("/v1/collection", headers=other.headers).status_code == 200


@pytest.mark.parametrize("limited", [(0, 3)], indirect=True)
def test_session_limit_counts_per_play_session(limited, settings):
    org = Org(settings)
    col = create_collection(limited, org)["id"]
    track = make_ready_track(limited, org, settings, col)
    sessions = []
    for _ in range(2):
        r = limited.post("/v1/play_session/collection", json={"collection_id": col}, headers=org.headers)
        assert r.status_code == 200, r.text
        sessions.append(r.json()["play_session_id"])
    tid = track["track_id"]
    for _ in range(3):
        assert limited.get(f"/v1/play/{sessions[0]}/{tid}").status_code == 200
    r = limited.get(f"/v1/play/{sessions[0]}/{tid}")
    assert r.status_code == 429 and r.headers["retry-after"]
    assert limited.get(f"/v1/play/{sessions[1]}/{tid}").status_code == 200


def test_unlimited_by_default(client, org):
    for _ in range(30):
        assert client.get("/v1/collection", headers=org.headers).status_code == 200
