"""Multipart uploads for large originals (Tonearm extension) against rclone serve s3, which checks
SigV4: each part URL carries its exact length, so a part of another size is refused by S3."""

from __future__ import annotations

import hashlib
import os
import uuid

import httpx
import pytest

from tests.fixtures import app_with_queue, sqlite_database_url  # noqa: F401  (fixtures)
from tests.helpers import create_collection
from tests.storage.s3server import rclone_bucket, rclone_s3  # noqa: F401  (fixtures)
from tonearm.jobs.queue import MemoryQueue
from tonearm.settings import Settings
from tonearm.storage import keys
from tonearm.uploads.multipart import MiB, plan


@pytest.fixture
def settings(database_url, tmp_path, rclone_s3, rclone_bucket):  # noqa: F811
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, secret_key="mp-" + uuid.uuid4().hex,
        public_url="http://testserver", queue_url="memory://", storage_url=f"s3://{rclone_bucket}/mp",
        s3_endpoint_url=rclone_s3[0], max_upload_bytes=40 * MiB,
    )


@pytest.fixture
def queue():
    return MemoryQueue()


def _local(url: str) -> str:
    return url.replace("http://testserver", "")


def test_plan_covers_the_size_with_whole_mib_parts():
    assert plan(1) == [1]
    assert plan(8 * MiB) == [8 * MiB]
    assert plan(16 * MiB + 5) == [8 * MiB, 8 * MiB, 5]
    big = plan(200 * 1024**3)  # 200 GiB: parts grow so that there are at most 10 000
    assert len(big) <= 10_000 and sum(big) == 200 * 1024**3 and big[0] % MiB == 0


def test_multipart_upload_completes_once(client, org, settings, queue, app):
    col = create_collection(client, org)
    created = client.post("/v1/track", json={"collection_id": col["id"], "file_name": "long.flac"},
                          headers=org.headers).json()
    tid, handle = created["track_id"], created["track_upload"]
    data = os.urandom(16 * MiB + 1000)
    too_big = client.post(_local(handle["multipart_url"]), json={"size": settings.max_upload_bytes + 1})
    assert too_big.status_code == 413 and too_big.json()["ok"] is False
    assert client.post(_local(handle["multipart_url"]), json={"size": "lots"}).status_code == 400
    r = client.post(_local(handle["multipart_url"]), json={"size": len(data)})
    assert r.status_code == 200, r.text
    mp = r.json()
    assert [p["size"] for p in mp["parts"]] == [8 * MiB, 8 * MiB, 1000]
    complete = _local(mp["complete_url"])
    assert client.post(complete).status_code == 409  # no parts yet

    first = mp["parts"][0]
    wrong = httpx.put(first["url"], content=data[:100])  # another length than the signed one
    assert wrong.status_code == 403, wrong.text
    offset = 0
    for part in mp["parts"]:
        body = data[offset:offset + part["size"]]
        offset += part["size"]
        assert httpx.put(part["url"], content=body).status_code == 200
    r = client.post(complete)
    assert r.status_code == 200, r.text
    assert r.json()["size"] == len(data) and r.json()["track_status_id"] == "processing"
    assert client.post(complete).status_code == 200  # idempotent
    index = client.get(f"/v1/track/{tid}", headers=org.headers).json()["track"]["index"]
    with app.state.runtime.storage.fetch(keys.original(index)) as path:
        assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(data).digest()
    assert [obj for job, obj in queue.jobs if job == "processing.track"] == [tid]
    # Once stored, a new multipart upload is refused.
    assert client.post(_local(handle["multipart_url"]), json={"size": 10}).status_code == 409
