from tests.helpers import create_collection, make_ready_track


def test_collection_play_session_has_first_track(client, org, settings):
    col = create_collection(client, org)
    make_ready_track(client, org, settings, col["id"])
    r = client.post("/v1/play_session/collection", json={"collection_id": col["id"], "variants": ["hq", "lq"]}, headers=org.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True
    assert [v["variant"]["index"] for v in body["first_track"]["variants"]] == ["hq", "lq"]
    assert body["first_track"]["levels"] == {"levels": [0.0, 0.5, 1.0]}
