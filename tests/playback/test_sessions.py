"""Play sessions as the seed describes them: scopes, payload shape, expiry, downloads."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.conftest import bearer
from tests.helpers import (
    add_variant_file,
    create_collection,
    create_track,
    make_ready_track,
)
from tonearm.db.session import session_scope
from tonearm.playback.models import PlaySession


def _play(client, org, scope, **body):
    return client.post(f"/v1/play_session/{scope}", json=body, headers=org.headers)


def _expire(settings, sid):
    with session_scope(settings.database_url) as db:
        db.get(PlaySession, uuid.UUID(sid)).expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)


@pytest.fixture
def album(client, org, settings):
    col = create_collection(client, org)
    tracks = [make_ready_track(client, org, settings, col["id"]) for _ in range(3)]
    return col, tracks


def test_collection_session_shape(client, org, album):
    col, tracks = album
    r = _play(client, org, "collection", collection_id=col["id"], variants=["lq", "hq"], expires_in=600)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["play_session_id"] == body["play_session"]["id"]
    ps = body["play_session"]
    assert ps["variants"] == ["lq", "hq"] and ps["is_downloadable"] is False
    exp = dt.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert 590 < (exp - dt.datetime.now(dt.UTC)).total_seconds() <= 600
    assert [t["id"] for t in body["tracks"]] == [t["track_id"] for t in tracks]
    for n, t in enumerate(body["tracks"]):
        assert t["order"] == n
        for field in ("index", "duration", "file_name", "player_title", "player_subtitle", "player_color",
                      "player_color_light", "player_color_dark"):
            assert field in t
    first = body["first_track"]
    assert first["track_id"] == tracks[0]["track_id"]
    assert first["track"]["id"] == first["track_id"]
    for field in ("index", "duration", "player_title", "image_colors", "file_name", "info", "organization_index",
                  "order", "metadata", "is_dark"):
        assert field in first["track"]
    assert first["levels"] == {"levels": [0.0, 0.5, 1.0]}
    assert first["cover_image"] is None
    assert [v["variant"]["index"] for v in first["variants"]] == ["lq", "hq"]
    for v in first["variants"]:
        assert v["url"].startswith("http://testserver/d/") and "verify=" in v["url"]
        assert v["path"].startswith("/d/") and v["size"] > 0 and "data" in v and v["data"] is None
        assert set(v["props"]) >= {"codec", "bitrate"} and v["id"]
    assert first["variants"][1]["props"] == {"codec": "aac", "bitrate": 256}


def test_get_session_and_play_track_without_bearer(client, org, album):
    col, tracks = album
    body = _play(client, org, "collection", collection_id=col["id"]).json()
    sid = body["play_session_id"]
    got = client.get(f"/v1/play_session/{sid}")
    assert got.status_code == 200 and got.json()["tracks"] == body["tracks"]
    assert got.json()["first_track"]["track_id"] == tracks[0]["track_id"]
    second = tracks[1]["track_id"]
    r = client.get(f"/v1/play/{sid}/{second}", headers={"Authorization": "Bearer anything"})
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["play_session_id"] == sid and p["track_id"] == second and p["track"]["id"] == second
    assert [v["variant"]["index"] for v in p["variants"]] == ["hq", "lq"]  # default ladder order
    assert p["play_session"]["id"] == sid


def test_track_outside_session_and_unknown(client, org, settings, album):
    col, tracks = album
    other_col = create_collection(client, org, "Other")
    outsider = make_ready_track(client, org, settings, other_col["id"])
    sid = _play(client, org, "collection", collection_id=col["id"]).json()["play_session_id"]
    assert client.get(f"/v1/play/{sid}/{outsider['track_id']}").status_code == 404
    assert client.get(f"/v1/play/{sid}/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/v1/play/{uuid.uuid4()}/{tracks[0]['track_id']}").status_code == 404
    assert client.get(f"/v1/play_session/{uuid.uuid4()}").status_code == 404
    assert client.get("/v1/play_session/zzz").status_code == 400


def test_expired_session_is_410(client, org, settings, album):
    col, tracks = album
    sid = _play(client, org, "collection", collection_id=col["id"], is_downloadable=True).json()["play_session_id"]
    _expire(settings, sid)
    for path in (f"/v1/play_session/{sid}", f"/v1/play/{sid}/{tracks[0]['track_id']}",
                 f"/v1/play/{sid}/{tracks[0]['track_id']}/hq/download"):
        r = client.get(path)
        assert r.status_code == 410, path
        assert r.json()["ok"] is False and "expired" in r.json()["message"]


def test_track_scope_and_errors(client, org, settings, album):
    col, tracks = album
    tid = tracks[2]["track_id"]
    body = _play(client, org, "track", track_id=tid).json()
    assert [t["id"] for t in body["tracks"]] == [tid]
    assert client.get(f"/v1/play/{body['play_session_id']}/{tracks[0]['track_id']}").status_code == 404
    assert _play(client, org, "track").status_code == 400
    assert _play(client, org, "collection").status_code == 400
    assert _play(client, org, "playlist").status_code == 400
    assert _play(client, org, "album", collection_id=col["id"]).status_code == 400
    assert _play(client, org, "track", track_id=str(uuid.uuid4())).status_code == 404
    assert _play(client, org, "collection", collection_id=col["id"], variants="hq").status_code == 400
    assert _play(client, org, "collection", collection_id=col["id"], is_downloadable="yes").status_code == 400
    for bad in (59, 86401, "60"):
        assert _play(client, org, "collection", collection_id=col["id"], expires_in=bad).status_code == 400
    empty = create_collection(client, org, "Empty")
    create_track(client, org, empty["id"])  # never uploaded: nothing playable
    r = _play(client, org, "collection", collection_id=empty["id"])
    assert r.status_code == 422 and r.json()["ok"] is False


def test_preview_data_is_reported(client, org, settings):
    col = create_collection(client, org)
    created = make_ready_track(client, org, settings, col["id"])
    add_variant_file(settings, created["track_id"], "preview", b"prev" * 100, "mp3",
                     extra_data={"capture_start": 30.0, "capture_end": 60.0, "duration": 240.0})
    body = _play(client, org, "track", track_id=created["track_id"], variants=["preview"]).json()
    (v,) = body["first_track"]["variants"]
    assert v["data"] == {"capture_start": 30.0, "capture_end": 60.0, "duration": 240.0}


def test_download_rules(client, org, settings, album):
    col, tracks = album
    tid = tracks[0]["track_id"]
    closed = _play(client, org, "collection", collection_id=col["id"]).json()["play_session_id"]
    r = client.get(f"/v1/play/{closed}/{tid}/hq/download")
    assert r.status_code == 403 and r.json()["ok"] is False
    open_ = _play(client, org, "collection", collection_id=col["id"], is_downloadable=True, variants=["hq"]).json()
    sid = open_["play_session_id"]
    assert open_["play_session"]["is_downloadable"] is True
    r = client.get(f"/v1/play/{sid}/{tid}/hq/download")
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["play_session_id"] == sid and d["track_id"] == tid and d["download"]["variant"] == "hq"
    url = d["download"]["url"]
    assert "download=1" in url
    f = client.get(url.replace("http://testserver", ""))
    assert f.status_code == 200 and f.headers["content-disposition"].startswith("attachment;")
    assert 'filename="song.m4a"' in f.headers["content-disposition"]
    red = client.get(f"/v1/play/{sid}/{tid}/hq/download?redirect=1", follow_redirects=False)
    assert red.status_code == 302 and "download=1" in red.headers["location"]
    assert client.get(f"/v1/play/{sid}/{tid}/lq/download").status_code == 404  # not in the session
    # A play URL cannot be turned into a download URL: adding download=1 breaks the signature.
    play_url = open_["first_track"]["variants"][0]["url"].replace("http://testserver", "")
    path, _, query = play_url.partition("?")
    forged = f"{path}?download=1&{query}"
    assert client.get(forged).status_code == 403


def test_player_key_downloads_follow_key(client, org, album):
    col, tracks = album
    key = org.key("player", collection_id=uuid.UUID(col["id"]))
    r = client.post("/v1/play_session/collection", json={"collection_id": col["id"], "is_downloadable": True},
                    headers=bearer(key))
    assert r.status_code == 200 and r.json()["play_session"]["is_downloadable"] is True
