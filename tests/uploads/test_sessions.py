"""Upload sessions as the seed describes them, and the byte receivers behind the handles."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest

from tests.conftest import bearer
from tests.helpers import create_collection, upload_bytes
from tonearm.catalog.models import Track
from tonearm.db.session import session_scope
from tonearm.uploads.models import UploadSession

AUDIO = b"ID3\x04\x00" + bytes(range(256)) * 64


def _session(client, org, col_id, **extra):
    r = client.post("/v1/upload_session", json={"collection_id": col_id, **extra}, headers=org.headers)
    assert r.status_code == 200, r.text
    return r.json()


def _expire(settings, session_id):
    with session_scope(settings.database_url) as db:
        db.get(UploadSession, uuid.UUID(session_id)).expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)


def test_create_and_get_session_shape(client, org):
    col = create_collection(client, org)
    body = _session(client, org, col["id"], expires_in=7200, metadata={"a": 1}, organization_index="ext-1")
    sid = body["upload_session_id"]
    assert body["ok"] is True and body["api_request_id"]
    assert body["upload_session"]["id"] == sid
    assert body["upload_session"]["collection_id"] == col["id"]
    assert body["upload_session"]["metadata"] == {"a": 1}
    assert body["upload_session"]["organization_index"] == "ext-1"
    assert "player_color" in body and body["expires_at"] == body["upload_session"]["expires_at"]
    left = dt.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")) - dt.datetime.now(dt.UTC)
    assert 7100 < left.total_seconds() <= 7200
    got = client.get(f"/v1/upload_session/{sid}")  # no Bearer: the session id is the credential
    assert got.status_code == 200
    assert got.json()["upload_session"] == body["upload_session"]


@pytest.mark.parametrize("value", [59, 86401, 0, -5, "3600", True, 100.5, None])
def test_expires_in_bounds(client, org, value):
    col = create_collection(client, org)
    r = client.post("/v1/upload_session", json={"collection_id": col["id"], "expires_in": value}, headers=org.headers)
    if value is None:
        assert r.status_code == 200
    else:
        assert r.status_code == 400, r.text
        assert r.json()["ok"] is False and "expires_in" in r.json()["message"]


@pytest.mark.parametrize("value", [60, 86400])
def test_expires_in_edges_accepted(client, org, value):
    col = create_collection(client, org)
    assert _session(client, org, col["id"], expires_in=value)["ok"] is True


def test_unknown_and_expired_session(client, org, settings):
    r = client.get(f"/v1/upload_session/{uuid.uuid4()}")
    assert r.status_code == 404 and r.json()["ok"] is False
    r = client.post(f"/v1/upload/{uuid.uuid4()}/track", json={"file_name": "a.mp3"})
    assert r.status_code == 404
    col = create_collection(client, org)
    sid = _session(client, org, col["id"])["upload_session_id"]
    _expire(settings, sid)
    for r in (client.get(f"/v1/upload_session/{sid}"), client.post(f"/v1/upload/{sid}/track", json={"file_name": "a.mp3"})):
        assert r.status_code == 410
        assert "expired" in r.json()["message"]


def test_missing_collection_and_bad_ids(client, org, other_org):
    assert client.post("/v1/upload_session", json={}, headers=org.headers).status_code == 400
    assert client.post("/v1/upload_session", json={"collection_id": "nope"}, headers=org.headers).status_code == 400
    assert client.post("/v1/upload_session", json={"collection_id": str(uuid.uuid4())}, headers=org.headers).status_code == 404
    theirs = create_collection(client, other_org)
    assert client.post("/v1/upload_session", json={"collection_id": theirs["id"]}, headers=org.headers).status_code == 404
    assert client.get("/v1/upload_session/not-a-uuid").status_code == 400


def test_track_in_session_and_upload(client, org, settings, queue):
    col = create_collection(client, org)
    sid = _session(client, org, col["id"])["upload_session_id"]
    r = client.post(f"/v1/upload/{sid}/track", json={"file_name": "../../etc/My Song.mp3", "metadata": {"k": "v"}},
                    headers={"Authorization": "Bearer ignored-on-this-route"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["upload_session_id"] == sid and body["upload_session"]["id"] == sid
    track = body["track"]
    assert body["track_id"] == track["id"]
    assert track["file_name"] == "My Song.mp3"  # never trust client paths
    assert track["track_status_id"] == "initialized"
    assert track["index"] and track["path"] == track["base_path"] == f"/d/{track['index']}"
    assert track["base_url"] == "http://testserver" + track["base_path"]
    assert track["upload_url"] == body["track_upload"]["upload_url"]
    up, cover = body["track_upload"], body["track_cover_upload"]
    assert up["method"] == "PUT" and cover["method"] == "POST"
    assert up["upload_url"].startswith("http://testserver/u/") and "verify=" in up["upload_url"]
    assert 0 < up["ttl"] <= 3600 and up["expires_at"]

    r = upload_bytes(client, up["upload_url"], AUDIO)
    assert r.status_code == 200, r.text
    assert r.json()["sha256"] == hashlib.sha256(AUDIO).hexdigest()
    assert queue.jobs == [("processing.track", track["id"])]
    got = client.get(f"/v1/track/{track['id']}", headers=org.headers).json()["track"]
    assert got["track_status_id"] == "processing" and got["size"] == len(AUDIO)
    with session_scope(settings.database_url) as db:
        row = db.get(Track, uuid.UUID(track["id"]))
        stored = settings.data_dir / "objects" / row.original_key
        assert stored.read_bytes() == AUDIO


def test_upload_url_single_use_tamper_expiry(client, org, settings):
    col = create_collection(client, org)
    sid = _session(client, org, col["id"])["upload_session_id"]
    body = client.post(f"/v1/upload/{sid}/track", json={"file_name": "a.wav"}).json()
    url = body["track_upload"]["upload_url"]
    tampered = url.replace("max=", "max=9")
    assert upload_bytes(client, tampered, AUDIO).status_code == 403
    other = client.post(f"/v1/upload/{sid}/track", json={"file_name": "b.wav"}).json()
    swapped = url.replace(body["track_id"], other["track_id"])
    assert upload_bytes(client, swapped, AUDIO).status_code == 403
    no_sig = url.split("&verify=")[0]
    assert upload_bytes(client, no_sig, AUDIO).status_code == 403
    assert upload_bytes(client, url, AUDIO).status_code == 200
    again = upload_bytes(client, url, AUDIO)
    assert again.status_code == 403 and "already been used" in again.json()["message"]

    short = _session(client, org, col["id"], expires_in=60)["upload_session_id"]
    late = client.post(f"/v1/upload/{short}/track", json={"file_name": "c.wav"}).json()["track_upload"]["upload_url"]
    import time as _time
    from unittest import mock

    with mock.patch("tonearm.delivery.signing.time.time", return_value=_time.time() + 120):
        r = upload_bytes(client, late, AUDIO)
    assert r.status_code == 403 and "expired" in r.json()["message"]


def test_upload_limits(client, org, settings):
    settings.max_upload_bytes = 4096
    col = create_collection(client, org)
    sid = _session(client, org, col["id"])["upload_session_id"]
    url = client.post(f"/v1/upload/{sid}/track", json={"file_name": "big.wav"}).json()["track_upload"]["upload_url"]
    r = upload_bytes(client, url, b"x" * 5000)
    assert r.status_code == 413 and r.json()["ok"] is False
    # A rejected upload does not burn the URL; a body within the limit then succeeds.
    assert upload_bytes(client, url, b"y" * 4000).status_code == 200

    def chunks():
        for _ in range(10):
            yield b"z" * 1000

    url2 = client.post(f"/v1/upload/{sid}/track", json={"file_name": "s.wav"}).json()["track_upload"]["upload_url"]
    r = client.put(url2.replace("http://testserver", ""), content=chunks())  # chunked, no Content-Length
    assert r.status_code == 413
    url3 = client.post(f"/v1/upload/{sid}/track", json={"file_name": "e.wav"}).json()["track_upload"]["upload_url"]
    assert upload_bytes(client, url3, b"").status_code == 400


def test_file_size_bounds_the_upload(client, org):
    col = create_collection(client, org)
    sid = _session(client, org, col["id"])["upload_session_id"]
    body = client.post(f"/v1/upload/{sid}/track", json={"file_name": "a.mp3", "file_size": 100}).json()
    assert upload_bytes(client, body["track_upload"]["upload_url"], b"a" * 101).status_code == 413
    assert upload_bytes(client, body["track_upload"]["upload_url"], b"a" * 100).status_code == 200
    bad = client.post(f"/v1/upload/{sid}/track", json={"file_name": "a.mp3", "file_size": "100"})
    assert bad.status_code == 400


def test_inline_track_on_session_create(client, org):
    col = create_collection(client, org)
    body = _session(client, org, col["id"], track={"file_name": "take-1.webm", "player_color": "#112233"})
    assert body["track_id"] == body["track"]["id"]
    assert body["track"]["player_color"] == "#112233"
    assert body["track_upload"]["method"] == "PUT"
    assert upload_bytes(client, body["track_upload"]["upload_url"], AUDIO).status_code == 200


def test_cover_upload_multipart_and_raw(client, org, settings, queue):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 10, 10)).save(buf, "PNG")
    png = buf.getvalue()
    col = create_collection(client, org)
    sid = _session(client, org, col["id"])["upload_session_id"]
    body = client.post(f"/v1/upload/{sid}/track", json={"file_name": "a.mp3"}).json()
    cover_url = body["track_cover_upload"]["upload_url"].replace("http://testserver", "")
    r = client.post(cover_url, files={"file": ("evil.svg", png, "image/svg+xml")})
    assert r.status_code == 200, r.text
    r = client.post(cover_url, content=png, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200
    r = client.post(cover_url, content=b"<svg onload=alert(1)>", headers={"Content-Type": "image/png"})
    assert r.status_code == 400
    r = client.post(cover_url, files={"other": ("a.png", png, "image/png")})
    assert r.status_code == 400
    assert client.post(cover_url.split("&verify=")[0], content=png).status_code == 403
    with session_scope(settings.database_url) as db:
        track = db.get(Track, uuid.UUID(body["track_id"]))
        assert (settings.data_dir / "objects" / track.cover_key).read_bytes() == png
    assert not [j for j in queue.jobs if j[0] == "processing.cover"]  # no audio yet
    upload_bytes(client, body["track_upload"]["upload_url"], AUDIO)
    client.post(cover_url, content=png)
    assert ("processing.cover", body["track_id"]) in queue.jobs


def test_collection_cover_upload(client, org):
    r = client.post("/v1/collection", json={"title": "With cover"}, headers=org.headers).json()
    handle = r["collection_cover_upload"]
    assert handle["method"] == "POST"
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG")
    assert client.post(handle["upload_url"].replace("http://testserver", ""), content=buf.getvalue()).status_code == 200
    got = client.get(f"/v1/collection/{r['collection_id']}", headers=org.headers).json()["collection"]
    assert got["has_cover"] is True


def test_uploader_key_scope(client, org):
    col = create_collection(client, org)
    other = create_collection(client, org, "Other")
    key = org.key("uploader", collection_id=uuid.UUID(col["id"]))
    r = client.post("/v1/upload_session", json={}, headers=bearer(key))
    assert r.status_code == 200 and r.json()["upload_session"]["collection_id"] == col["id"]
    assert client.post("/v1/upload_session", json={"collection_id": other["id"]}, headers=bearer(key)).status_code == 403
