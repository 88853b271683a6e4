"""S3 mode end to end: presigned PUT → completion → processing (inline) → ready; delivery by
redirect (302 to a presigned GET that honours Range) and direct (ranged S3 reads streamed through);
impossible TONEARM_DELIVERY/storage combinations refused at startup. Real S3 API: moto server."""

from __future__ import annotations

import io
import time
import uuid

import av
import httpx
import pytest
from starlette.testclient import TestClient

from tests.audiogen import cover_jpeg, write_audio
from tests.helpers import create_collection
from tests.storage.s3server import s3_bucket, s3_endpoint  # noqa: F401  (fixtures)
from tonearm.api.app import create_app
from tonearm.catalog.models import Track
from tonearm.db.session import session_scope
from tonearm.delivery.modes import DeliveryConfigError
from tonearm.jobs.queue import ImmediateQueue, MemoryQueue
from tonearm.settings import Settings
from tonearm.storage import keys

DATA = bytes(range(256)) * 300  # 76800 bytes


def _settings(database_url, tmp_path, bucket, endpoint, **extra) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, secret_key="s3-" + uuid.uuid4().hex,
        public_url="http://testserver", queue_url="memory://", storage_url=f"s3://{bucket}/t", s3_endpoint_url=endpoint,
        **extra,
    )


@pytest.fixture
def settings(database_url, tmp_path, s3_bucket, s3_endpoint):  # noqa: F811  (the `org` fixture uses it too)
    return _settings(database_url, tmp_path, s3_bucket, s3_endpoint)


@pytest.fixture
def make_client(settings):
    clients = []

    def make(queue=None, **extra) -> TestClient:
        c = TestClient(create_app(settings.model_copy(update=extra), queue=queue or MemoryQueue()))
        clients.append(c.__enter__())
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def _signed(c: TestClient, name: str, **params) -> str:
    return c.app.state.runtime.signer.path(f"/d/{name}", {"expires": int(time.time()) + 600, **params})


def _put_variant(c: TestClient, index: str, suffix: str, ext: str, data: bytes) -> str:
    tmp = c.app.state.runtime.settings.data_dir / f"v-{uuid.uuid4().hex}"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_bytes(data)
    c.app.state.runtime.storage.put(keys.variant(index, suffix, ext), tmp)
    return keys.delivery_name(index, suffix, ext)


def test_upload_to_ready_then_redirected_range(make_client, org, tmp_path):
    c = make_client(ImmediateQueue(), delivery="redirect")
    col = create_collection(c, org)
    sid = c.post("/v1/upload_session", json={"collection_id": col["id"]}, headers=org.headers).json()["upload_session_id"]
    body = c.post(f"/v1/upload/{sid}/track", json={"file_name": "tone.wav"}).json()
    src = write_audio(tmp_path / "tone.wav", "wav", seconds=1.5)
    r = httpx.put(body["track_upload"]["upload_url"], content=src.read_bytes(), headers={"Content-Type": "audio/wav"})
    assert r.status_code == 200
    r = httpx.post(body["track_cover_upload"]["upload_url"], data=body["track_cover_upload"]["fields"] | {
        "Content-Type": "image/jpeg"}, files={"file": ("c.jpg", cover_jpeg(300), "image/jpeg")})
    assert r.status_code < 300
    # The completion call runs the processing job inline (ImmediateQueue); the cover is found in the bucket.
    assert c.post(body["track_upload"]["complete_url"].replace("http://testserver", "")).status_code == 200
    track = c.get(f"/v1/track/{body['track_id']}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "ready", track.get("status_text")
    with session_scope(c.app.state.runtime.settings.database_url) as db:  # the posted cover was found in the bucket
        sizes = db.get(Track, uuid.UUID(body["track_id"])).cover_sizes
    assert set(sizes) >= {"small", "large"} and c.app.state.runtime.storage.stat(sizes["large"]["key"]).size > 0

    play = c.post("/v1/play_session/collection", json={"collection_id": col["id"], "variants": ["hq", "lq"]},
                  headers=org.headers).json()
    hq = play["first_track"]["variants"][0]["url"].replace("http://testserver", "")
    r = c.get(hq, follow_redirects=False)
    assert r.status_code == 302 and r.headers["cache-control"] == "no-store"
    location = r.headers["location"]
    assert "X-Amz-Signature=" in location and "response-content-type=audio%2Fmp4" in location
    whole = httpx.get(location)
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/mp4"
    with av.open(io.BytesIO(whole.content)) as f:  # a real AAC file made by the worker from the S3 original
        assert f.streams.audio[0].codec_context.name == "aac"
    part = httpx.get(location, headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206 and part.content == whole.content[100:1124]
    assert part.headers["content-range"] == f"bytes 100-1123/{len(whole.content)}"
    # The worker's temporary downloads are gone.
    work = c.app.state.runtime.settings.data_dir / "work"
    assert not work.exists() or not any(work.rglob("fetch-*"))


def test_redirect_download_names_the_file(make_client, org):
    c = make_client(delivery="redirect", s3_get_seconds=120)
    name = _put_variant(c, "0123456789abcdef", "lq", "mp3", DATA)
    r = c.get(_signed(c, name, download=1, filename="My Song.mp3"), follow_redirects=False)
    assert r.status_code == 302
    assert "X-Amz-Expires=120" in r.headers["location"]
    got = httpx.get(r.headers["location"])
    assert got.content == DATA and got.headers["content-type"] == "audio/mpeg"
    assert got.headers["content-disposition"].startswith('attachment; filename="My Song.mp3"')
    # The Tonearm signature is still checked before anything is redirected.
    assert c.get(_signed(c, name)[:-3] + "xyz", follow_redirects=False).status_code == 403


def test_direct_mode_streams_ranges_from_s3(make_client, org):
    c = make_client(delivery="direct")
    name = _put_variant(c, "0123456789abcdef", "hq", "m4a", DATA)
    url = _signed(c, name)
    r = c.get(url)
    assert r.status_code == 200 and r.content == DATA and r.headers["content-type"] == "audio/mp4"
    r = c.get(url, headers={"Range": "bytes=1000-1999"})
    assert r.status_code == 206 and r.content == DATA[1000:2000]
    assert r.headers["content-range"] == f"bytes 1000-1999/{len(DATA)}"
    r = c.get(url, headers={"Range": "bytes=-10"})
    assert r.status_code == 206 and r.content == DATA[-10:]
    multi = c.get(url, headers={"Range": "bytes=0-9,200-209"})  # several ranges: the whole file (RFC 9110 allows it)
    assert multi.status_code == 200 and multi.content == DATA
    h = c.head(url, headers={"Range": "bytes=0-99"})
    assert h.status_code == 206 and h.content == b"" and h.headers["content-length"] == "100"
    r = c.get(url, headers={"Range": f"bytes={len(DATA)}-"})
    assert r.status_code == 416 and r.json()["ok"] is False
    etag = c.get(url, headers={"Range": "bytes=0-0"}).headers["etag"]
    assert c.get(url, headers={"If-None-Match": etag}).status_code == 304
    missing = _signed(c, keys.delivery_name("0123456789abcdef", "lq", "mp3"))
    assert c.get(missing).status_code == 404


def test_impossible_combinations_are_refused(database_url, tmp_path, s3_bucket, s3_endpoint):  # noqa: F811
    local = Settings(data_dir=tmp_path / "l", database_url=database_url, queue_url="memory://", delivery="redirect")
    with pytest.raises(DeliveryConfigError, match="redirect needs S3 storage"):
        create_app(local, queue=MemoryQueue())
    s3 = _settings(database_url, tmp_path, s3_bucket, s3_endpoint, delivery="accel")
    with pytest.raises(DeliveryConfigError, match="accel needs local storage"):
        create_app(s3, queue=MemoryQueue())
    odd = _settings(database_url, tmp_path, s3_bucket, s3_endpoint, delivery="cdn")
    with pytest.raises(DeliveryConfigError, match="must be one of"):
        create_app(odd, queue=MemoryQueue())
