"""Presigned URLs against a server that checks SigV4 (`rclone serve s3 --auth-key`): what Tonearm
hands out works untouched, and a tampered, re-targeted or expired URL is refused by S3 itself.
(moto accepts any signature, so these checks need rclone.)"""

from __future__ import annotations

import dataclasses
import time
import uuid
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.fixtures import sqlite_database_url  # noqa: F401  (fixtures)
from tests.helpers import create_collection
from tests.storage.s3server import rclone_bucket, rclone_s3  # noqa: F401  (fixtures)
from tonearm.api.app import create_app
from tonearm.jobs.queue import MemoryQueue
from tonearm.settings import Settings
from tonearm.storage import keys

AUDIO = b"ID3" + bytes(range(256)) * 50


@pytest.fixture
def settings(database_url, tmp_path, rclone_s3, rclone_bucket):  # noqa: F811
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, secret_key="v4-" + uuid.uuid4().hex,
        public_url="http://testserver", queue_url="memory://", storage_url=f"s3://{rclone_bucket}/v4",
        s3_endpoint_url=rclone_s3[0], delivery="redirect",
    )


@pytest.fixture
def app(settings):
    return create_app(settings, queue=MemoryQueue())


def _handle(client, org, settings, presign_seconds: int | None = None) -> dict:
    if presign_seconds is not None:
        rt = client.app.state.runtime
        client.app.state.runtime = dataclasses.replace(rt, settings=settings.model_copy(
            update={"s3_presign_seconds": presign_seconds}))
    col = create_collection(client, org)
    r = client.post("/v1/track", json={"collection_id": col["id"], "file_name": "a.mp3"}, headers=org.headers)
    if presign_seconds is not None:
        client.app.state.runtime = rt
    return r.json()


def _tamper_signature(url: str) -> str:
    i = url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    return url[:i] + ("0" if url[i] != "0" else "1") + url[i + 1:]


def _error_code(r: httpx.Response) -> str:
    return r.text.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in r.text else ""


def test_presigned_put_is_accepted_and_completes(client, org, settings, app):
    body = _handle(client, org, settings)
    r = httpx.put(body["track_upload"]["upload_url"], content=AUDIO, headers={"Content-Type": "audio/mpeg"})
    assert r.status_code == 200, r.text
    r = client.post(body["track_upload"]["complete_url"].replace("http://testserver", ""))
    assert r.status_code == 200 and r.json()["size"] == len(AUDIO)


def test_tampered_or_retargeted_put_is_refused_by_s3(client, org, settings, app):
    body = _handle(client, org, settings)
    url = body["track_upload"]["upload_url"]
    r = httpx.put(_tamper_signature(url), content=b"evil")
    assert r.status_code == 403 and _error_code(r) == "SignatureDoesNotMatch"
    other = urlparse(url)._replace(path=urlparse(url).path.replace("/source", "/hq.m4a")).geturl()
    r = httpx.put(other, content=b"evil")
    assert r.status_code == 403 and _error_code(r) == "SignatureDoesNotMatch"
    longer = url.replace("X-Amz-Expires=", "X-Amz-Expires=9")
    assert httpx.put(longer, content=b"evil").status_code == 403
    index = client.get(f"/v1/track/{body['track_id']}", headers=org.headers).json()["track"]["index"]
    assert app.state.runtime.storage.stat(keys.original(index)) is None
    assert app.state.runtime.storage.stat(keys.variant(index, "hq", "m4a")) is None


def test_expired_put_is_refused_by_s3(client, org, settings, app):
    short = _handle(client, org, settings, presign_seconds=1)
    control = _handle(client, org, settings, presign_seconds=60)
    assert parse_qs(urlparse(short["track_upload"]["upload_url"]).query)["X-Amz-Expires"] == ["1"]
    time.sleep(2.1)
    r = httpx.put(short["track_upload"]["upload_url"], content=AUDIO)
    # rclone answers 400 AccessDenied ("...exceeds the maximum allowed"), where AWS answers 403 AccessDenied.
    assert r.status_code in (400, 403) and _error_code(r) == "AccessDenied", r.text
    assert client.post(short["track_upload"]["complete_url"].replace("http://testserver", "")).status_code == 409
    # Same wait, longer lifetime: accepted, so it was the expiry (not clock skew) that refused the first.
    assert httpx.put(control["track_upload"]["upload_url"], content=AUDIO).status_code == 200


def test_redirect_delivery_url_is_verified_by_s3(client, settings, app, tmp_path):
    data = bytes(range(256)) * 20
    src = tmp_path / "v"
    src.write_bytes(data)
    app.state.runtime.storage.put(keys.variant("00000000000000aa", "lq", "mp3"), src)
    path = "/d/" + keys.delivery_name("00000000000000aa", "lq", "mp3")
    r = client.get(client.app.state.runtime.signer.path(path, {"expires": int(time.time()) + 300}), follow_redirects=False)
    assert r.status_code == 302
    location = r.headers["location"]
    got = httpx.get(location)
    assert got.status_code == 200 and got.content == data and got.headers["content-type"] == "audio/mpeg"
    part = httpx.get(location, headers={"Range": "bytes=10-19"})
    # rclone sends the right bytes and Content-Range, though with status 200 rather than 206.
    assert part.content == data[10:20] and part.headers["content-range"] == f"bytes 10-19/{len(data)}"
    bad = httpx.get(_tamper_signature(location))
    assert bad.status_code == 403 and _error_code(bad) == "SignatureDoesNotMatch"
    swapped = location.replace("response-content-type=audio%2Fmpeg", "response-content-type=text%2Fhtml")
    assert httpx.get(swapped).status_code == 403  # the response overrides are signed too
