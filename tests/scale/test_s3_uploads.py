"""S3 mode through the API: presigned PUT/POST handles, the three completion paths (call, read,
reaper) moving a track to processing exactly once, and the size limit. Real S3 API: moto server."""

from __future__ import annotations

import base64
import json
import uuid
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import select

from tests.audiogen import cover_jpeg
from tests.fixtures import app_with_queue  # noqa: F401  (fixtures)
from tests.helpers import create_collection
from tests.storage.s3server import s3_bucket, s3_endpoint  # noqa: F401  (fixtures)
from tonearm.catalog.models import Collection, Track
from tonearm.db.session import session_scope
from tonearm.jobs.queue import MemoryQueue
from tonearm.settings import Settings
from tonearm.storage import keys

AUDIO = b"RIFF" + bytes(range(256)) * 64  # bytes only: these tests never run the processing job


@pytest.fixture
def settings(database_url, tmp_path, s3_bucket, s3_endpoint):  # noqa: F811
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, secret_key="s3-" + uuid.uuid4().hex,
        public_url="http://testserver", queue_url="memory://", storage_url=f"s3://{s3_bucket}/tonearm",
        s3_endpoint_url=s3_endpoint, s3_presign_seconds=900, max_upload_bytes=64 * 1024,
    )


@pytest.fixture
def queue():
    return MemoryQueue()


def _local(url: str) -> str:
    return url.replace("http://testserver", "")


def _session_track(client, org) -> dict:
    col = create_collection(client, org)
    sid = client.post("/v1/upload_session", json={"collection_id": col["id"]}, headers=org.headers).json()["upload_session_id"]
    body = client.post(f"/v1/upload/{sid}/track", json={"file_name": "../../etc/passwd.wav"}).json()
    return body | {"upload_session_id": sid, "collection_id": col["id"]}


def _state(settings, track_id) -> tuple[str, str, int | None]:
    with session_scope(settings.database_url) as db:
        t = db.get(Track, uuid.UUID(str(track_id)))
        return t.upload_state, t.track_status_id, t.size


def _jobs(queue, name="processing.track") -> list[str]:
    return [obj for job, obj in queue.jobs if job == name]


def test_handles_are_presigned_s3_urls(client, org, settings, s3_endpoint, s3_bucket):  # noqa: F811
    body = _session_track(client, org)
    put = body["track_upload"]
    assert put["method"] == "PUT"
    assert set(put) == {"method", "upload_url", "ttl", "expires_at", "complete_url", "multipart_url"}
    url = urlparse(put["upload_url"])
    assert put["upload_url"].startswith(f"{s3_endpoint}/{s3_bucket}/tonearm/tracks/")  # path style, our prefix
    track = client.get(f"/v1/track/{body['track_id']}", headers=org.headers).json()["track"]
    assert url.path == f"/{s3_bucket}/tonearm/{keys.original(track['index'])}"  # the server's key, not the file name
    q = parse_qs(url.query)
    assert q["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and q["X-Amz-SignedHeaders"] == ["host"]
    assert 0 < int(q["X-Amz-Expires"][0]) <= 900 and 0 < put["ttl"] <= 900
    assert put["complete_url"].startswith(f"http://testserver/u/{body['track_id']}/complete?")

    cover = body["track_cover_upload"]
    assert cover["method"] == "POST" and cover["upload_url"] == f"{s3_endpoint}/{s3_bucket}"
    assert cover["fields"]["key"] == f"tonearm/{keys.cover_upload(track['index'])}"
    policy = json.loads(base64.b64decode(cover["fields"]["policy"]))
    assert ["content-length-range", 1, 25 * 1024 * 1024] in policy["conditions"]
    assert ["starts-with", "$Content-Type", "image/"] in policy["conditions"]
    assert {"key": cover["fields"]["key"]} in policy["conditions"]


def test_completion_call_moves_to_processing_once(client, org, settings, queue):
    body = _session_track(client, org)
    tid, put = body["track_id"], body["track_upload"]
    complete = _local(put["complete_url"])
    r = client.post(complete)
    assert r.status_code == 409 and r.json()["ok"] is False  # nothing in the bucket yet
    assert _state(settings, tid)[0] == "pending"
    assert httpx.put(put["upload_url"], content=AUDIO, headers={"Content-Type": "audio/wav"}).status_code == 200
    r = client.post(complete)
    assert r.status_code == 200, r.text
    assert r.json()["track_status_id"] == "processing" and r.json()["size"] == len(AUDIO)
    assert _state(settings, tid) == ("stored", "processing", len(AUDIO))
    # Again, and through the read path: idempotent, still one job.
    assert client.post(complete).status_code == 200
    assert client.get(f"/v1/track/{tid}", headers=org.headers).json()["track"]["track_status_id"] == "processing"
    assert _jobs(queue) == [tid]


def test_completion_url_is_signed(client, org):
    body = _session_track(client, org)
    url = _local(body["track_upload"]["complete_url"])
    other = url.replace(body["track_id"], str(uuid.uuid4()))
    assert client.post(other).status_code == 403
    assert client.post(url[:-2] + ("AA" if not url.endswith("AA") else "BB")).status_code == 403
    assert client.post(url.split("?")[0]).status_code == 403


def test_get_track_notices_the_upload(client, org, settings, queue):
    body = _session_track(client, org)
    tid = body["track_id"]
    track = client.get(f"/v1/track/{tid}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "initialized"
    httpx.put(body["track_upload"]["upload_url"], content=AUDIO).raise_for_status()
    track = client.get(f"/v1/track/{tid}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "processing" and track["size"] == len(AUDIO)
    assert _jobs(queue) == [tid]


def test_get_upload_session_notices_the_upload(client, org, settings, queue):
    body = _session_track(client, org)
    httpx.put(body["track_upload"]["upload_url"], content=AUDIO).raise_for_status()
    assert client.get(f"/v1/upload_session/{body['upload_session_id']}").status_code == 200
    assert _state(settings, body["track_id"])[:2] == ("stored", "processing")
    assert _jobs(queue) == [body["track_id"]]


def test_reaper_notices_the_upload(client, org, settings, queue):
    from tonearm.uploads.tasks import sweep

    body = _session_track(client, org)
    waiting = _session_track(client, org)  # never uploaded: stays pending, costs one HEAD
    httpx.put(body["track_upload"]["upload_url"], content=AUDIO).raise_for_status()
    sweep(client.app.state.runtime)
    sweep(client.app.state.runtime)
    assert _state(settings, body["track_id"])[:2] == ("stored", "processing")
    assert _state(settings, waiting["track_id"])[0] == "pending"
    assert _jobs(queue) == [body["track_id"]]


def test_too_large_upload_is_deleted_and_fails_readably(client, org, settings, queue, app):
    body = _session_track(client, org)
    tid = body["track_id"]
    big = b"\0" * (settings.max_upload_bytes + 1)
    httpx.put(body["track_upload"]["upload_url"], content=big).raise_for_status()
    r = client.post(_local(body["track_upload"]["complete_url"]))
    assert r.status_code == 413 and "exceeds the limit" in r.json()["message"]
    track = client.get(f"/v1/track/{tid}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "init_error" and "exceeds the limit" in track["status_text"]
    assert app.state.runtime.storage.stat(keys.original(track["index"])) is None
    assert _jobs(queue) == []
    assert client.post(_local(body["track_upload"]["complete_url"])).status_code == 413  # still rejected


def test_empty_upload_is_refused_and_can_be_retried(client, org, settings, queue):
    body = _session_track(client, org)
    put = body["track_upload"]
    httpx.put(put["upload_url"], content=b"").raise_for_status()
    r = client.post(_local(put["complete_url"]))
    assert r.status_code == 400 and "Empty" in r.json()["message"]
    assert _state(settings, body["track_id"])[0] == "pending"
    httpx.put(put["upload_url"], content=AUDIO).raise_for_status()  # the presigned URL still works
    assert client.post(_local(put["complete_url"])).status_code == 200
    assert _jobs(queue) == [body["track_id"]]


def _post_form(handle: dict, data: bytes, content_type: str) -> httpx.Response:
    fields = handle["fields"] | {"Content-Type": content_type}
    return httpx.post(handle["upload_url"], data=fields, files={"file": ("cover", data, content_type)})


def test_cover_through_the_presigned_form(client, org, settings, queue, app):
    body = _session_track(client, org)
    tid, cover = body["track_id"], body["track_cover_upload"]
    assert client.post(_local(cover["complete_url"])).status_code == 409  # not posted yet
    assert _post_form(cover, cover_jpeg(120), "image/jpeg").status_code in (200, 201, 204)
    assert client.post(_local(cover["complete_url"])).status_code == 200
    with session_scope(settings.database_url) as db:
        track = db.get(Track, uuid.UUID(tid))
        assert track.cover_key == keys.cover_upload(track.index)
    assert _jobs(queue, "processing.cover") == []  # no audio yet: the track job will use the cover
    httpx.put(body["track_upload"]["upload_url"], content=AUDIO).raise_for_status()
    client.post(_local(body["track_upload"]["complete_url"]))
    assert client.post(_local(cover["complete_url"])).status_code == 200
    assert _jobs(queue, "processing.cover") == [tid]


def test_cover_that_is_not_an_image_is_removed(client, org, settings, app):
    body = _session_track(client, org)
    cover = body["track_cover_upload"]
    # moto does not enforce POST policies; Tonearm checks the bytes itself on completion.
    _post_form(cover, b"<svg onload=alert(1)>", "image/svg+xml")
    r = client.post(_local(cover["complete_url"]))
    assert r.status_code == 400 and "not a supported image" in r.json()["message"]
    key = cover["fields"]["key"].removeprefix("tonearm/")
    assert app.state.runtime.storage.stat(key) is None
    with session_scope(settings.database_url) as db:
        assert db.get(Track, uuid.UUID(body["track_id"])).cover_key is None


def test_collection_cover_through_the_presigned_form(client, org, settings, queue):
    col = create_collection(client, org)
    handle = client.post(f"/v1/collection/{col['id']}/cover", headers=org.headers).json()["collection_cover_upload"]
    assert handle["method"] == "POST" and "fields" in handle
    _post_form(handle, cover_jpeg(100), "image/jpeg").raise_for_status()
    assert client.post(_local(handle["complete_url"])).status_code == 200
    with session_scope(settings.database_url) as db:
        assert db.scalar(select(Collection.cover_key).where(Collection.id == uuid.UUID(col["id"])))
    assert _jobs(queue, "processing.collection_cover") == [col["id"]]


def test_session_track_status_notices_the_upload(client, org, settings, queue):
    body = _session_track(client, org)
    url = f"/v1/upload/{body['upload_session_id']}/track/{body['track_id']}"
    assert client.get(url).json()["track_status_id"] == "initialized"
    httpx.put(body["track_upload"]["upload_url"], content=AUDIO).raise_for_status()
    assert client.get(url).json()["track_status_id"] == "processing"
    assert _jobs(queue) == [body["track_id"]]


def test_deleting_a_waiting_track_removes_objects_nobody_reported(client, org, app):
    body = _session_track(client, org)
    httpx.put(body["track_upload"]["upload_url"], content=AUDIO).raise_for_status()
    _post_form(body["track_cover_upload"], cover_jpeg(64), "image/jpeg").raise_for_status()
    index = body["track"]["index"]  # no GET: nothing has noticed the objects
    assert client.delete(f"/v1/track/{body['track_id']}", headers=org.headers).status_code == 200
    assert app.state.runtime.storage.stat(keys.original(index)) is None
    assert app.state.runtime.storage.stat(keys.cover_upload(index)) is None
