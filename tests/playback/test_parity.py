"""AudioDN behaviour Tonearm had different: a collection-scoped player key needs no collection_id,
unknown variant indexes are refused by name, API Access keys are not minted over the API (403),
an untagged track is titled by its file name, and a track without a cover takes its collection's
colour."""

from __future__ import annotations

import pytest

from tests.audiogen import write_audio
from tests.conftest import bearer
from tests.helpers import create_collection, make_ready_track, upload_bytes
from tonearm.jobs.queue import ImmediateQueue


def _key(client, org, kind: str, **scope) -> str:
    r = client.post("/v1/api_key", json={"title": kind, "api_key_type_id": kind, **scope}, headers=org.headers)
    assert r.status_code == 200, r.text
    return r.json()["api_key"] if "api_key" in r.json() else r.json()["key"]


def test_scoped_player_key_needs_no_collection_id(client, org, settings):
    col = create_collection(client, org)
    make_ready_track(client, org, settings, col["id"])
    other = create_collection(client, org, "Other")
    key = _key(client, org, "player", collection_id=col["id"])
    r = client.post("/v1/play_session/collection", json={}, headers=bearer(key))
    assert r.status_code == 200, r.text
    assert r.json()["play_session"]["collection_id"] == col["id"]
    r = client.post("/v1/play_session/collection", json={"collection_id": other["id"]}, headers=bearer(key))
    assert r.status_code == 403
    r = client.post("/v1/play_session/collection", json={}, headers=org.headers)  # an unscoped key must name it
    assert r.status_code == 400 and "collection_id is required" in r.json()["message"]


def test_unknown_variant_index_is_refused_by_name(client, org, settings):
    col = create_collection(client, org)
    make_ready_track(client, org, settings, col["id"])
    r = client.post("/v1/play_session/collection", json={"collection_id": col["id"], "variants": ["hq", "hq-320"]},
                    headers=org.headers)
    assert r.status_code == 400 and r.json()["ok"] is False
    message = r.json()["message"]
    assert "'hq-320'" in message and "known:" in message and "hq" in message.split("known:")[1]


def test_api_access_keys_are_not_minted_over_the_api(client, org):
    r = client.post("/v1/api_key", json={"title": "root", "api_key_type_id": "api"}, headers=org.headers)
    assert r.status_code == 403 and r.json()["ok"] is False


@pytest.fixture
def queue():
    return ImmediateQueue()  # uploads are processed inline


def test_untagged_track_takes_its_file_name_and_collection_colour(client, org, tmp_path):
    r = client.post("/v1/collection", json={"title": "Blue", "player_color": "#3366ff"}, headers=org.headers)
    col = r.json()["collection_id"]
    created = client.post("/v1/track", json={"collection_id": col, "file_name": "Night Drive (demo).wav"},
                          headers=org.headers).json()
    audio = write_audio(tmp_path / "a.wav", "wav", seconds=1.0).read_bytes()
    assert upload_bytes(client, created["track_upload"]["upload_url"], audio).status_code == 200
    track = client.get(f"/v1/track/{created['track_id']}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "ready", track["status_text"]
    assert track["player_title"] == "Night Drive (demo)"
    assert track["player_color"].lower() == "#3366ff"
