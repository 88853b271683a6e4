"""A collection's `is_cover_overridable`: whether a track's own cover may replace the collection's
cover in play payloads. Real audio with embedded art and a real collection cover, processed inline."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest

from tests.audiogen import cover_jpeg, write_audio
from tests.fixtures import app_with_queue  # noqa: F401  (the `app` fixture: jobs run inline)
from tests.helpers import upload_bytes
from tonearm.jobs.queue import ImmediateQueue


@pytest.fixture
def queue():
    return ImmediateQueue()


def _collection(client, org, *, cover: bool, **fields) -> str:
    made = client.post("/v1/collection", json={"title": "Album", **fields}, headers=org.headers)
    assert made.status_code == 200, made.text
    made = made.json()
    if cover:
        url = made["collection_cover_upload"]["upload_url"].replace("http://testserver", "")
        assert client.post(url, content=cover_jpeg(400, (20, 160, 60))).status_code == 200
    return made["collection_id"]


def _track(client, org, collection_id: str, tmp_path, *, art: bool) -> str:
    src = write_audio(tmp_path / f"{uuid.uuid4().hex}.mp3", "mp3", seconds=1.0,
                      cover=cover_jpeg(300, (200, 30, 40)) if art else None)
    created = client.post("/v1/track", json={"collection_id": collection_id, "file_name": "a.mp3"},
                          headers=org.headers).json()
    assert upload_bytes(client, created["track_upload"]["upload_url"], src.read_bytes()).status_code == 200
    track = client.get(f"/v1/track/{created['track_id']}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "ready", track
    return created["track_id"]


def _shown(client, org, track_id: str, collection_id: str) -> str:
    """Whose cover the play payload shows: "collection", "track" or "none" (and its bytes are served)."""
    play = client.post("/v1/play_session/track", json={"track_id": track_id}, headers=org.headers)
    assert play.status_code == 200, play.text
    first = play.json()["first_track"]
    again = client.get(f"/v1/play/{play.json()['play_session_id']}/{track_id}").json()  # the other payload route
    if first["cover_image"] is None:
        assert again["cover_image"] is None
        return "none"
    paths = {urlsplit(size["url"]).path for size in first["cover_image"].values()}
    assert paths == {urlsplit(size["url"]).path for size in again["cover_image"].values()}
    for size in first["cover_image"].values():
        r = client.get(size["url"].replace("http://testserver", ""))
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    collection_name = f"/d/c{uuid.UUID(collection_id).hex}_cover_"  # storage.keys.collection_cover_delivery_name
    track_name = f"/d/{first['track']['index']}_"
    owners = {"collection" if p.startswith(collection_name) else "track" if p.startswith(track_name) else p
              for p in paths}
    assert len(owners) == 1, paths
    return owners.pop()


def test_a_tracks_own_cover_wins_by_default(client, org, tmp_path):
    col = _collection(client, org, cover=True)
    assert client.get(f"/v1/collection/{col}", headers=org.headers).json()["collection"]["is_cover_overridable"] is True
    assert _shown(client, org, _track(client, org, col, tmp_path, art=True), col) == "track"
    assert _shown(client, org, _track(client, org, col, tmp_path, art=False), col) == "collection"


def test_a_collection_that_is_not_overridable_shows_its_own_cover(client, org, tmp_path):
    col = _collection(client, org, cover=True, is_cover_overridable=False)
    with_art = _track(client, org, col, tmp_path, art=True)
    assert _shown(client, org, with_art, col) == "collection"
    assert _shown(client, org, _track(client, org, col, tmp_path, art=False), col) == "collection"
    # Turning the flag back on gives the track its own cover again (new sessions).
    r = client.put(f"/v1/collection/{col}", json={"is_cover_overridable": True}, headers=org.headers)
    assert r.status_code == 200 and r.json()["collection"]["is_cover_overridable"] is True
    assert _shown(client, org, with_art, col) == "track"


def test_flag_off_without_a_collection_cover_keeps_the_tracks_cover(client, org, tmp_path):
    col = _collection(client, org, cover=False, is_cover_overridable=False)
    assert _shown(client, org, _track(client, org, col, tmp_path, art=True), col) == "track"
    assert _shown(client, org, _track(client, org, col, tmp_path, art=False), col) == "none"
