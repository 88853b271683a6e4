"""Player events take JSON types as they are (the project's rule: no coercion), on a real session."""

from __future__ import annotations

from tests.helpers import create_collection, make_ready_track


def test_wrong_types_are_a_400_and_the_players_payloads_pass(client, org, settings):
    col = create_collection(client, org, "A")["id"]
    t = make_ready_track(client, org, settings, col)["track_id"]
    sid = client.post("/v1/play_session/track", json={"track_id": t}, headers=org.headers).json()["play_session_id"]
    url = f"/v1/play/{sid}/{t}/event"
    for bad in ({"type": "error", "error_code": True}, {"type": "play", "startup_ms": "300"},
                {"type": "play", "startup_ms": 12.5}, {"type": "progress", "listened_seconds": "2"}):
        r = client.post(url, json=bad)
        assert r.status_code == 400 and r.json()["ok"] is False, (bad, r.text)
    # what web/static/components/player-events.js sends
    for good in ({"type": "play", "startup_ms": 300}, {"type": "progress", "listened_seconds": 2},
                 {"type": "progress", "listened_seconds": 2.75}, {"type": "error", "error_code": 4},
                 {"events": [{"type": "complete"}]}):
        r = client.post(url, json=good)
        assert r.status_code == 202 and r.json()["accepted"] == len(good.get("events", [good])), (good, r.text)
