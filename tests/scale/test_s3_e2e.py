"""A real `tonearm serve` (worker inside, huey queue) on S3 storage (moto): the Python SDK uploads
straight to the bucket, says so, and the track becomes ready with its cover; downloads redirect."""

from __future__ import annotations

import httpx
import pytest

from tests.audiogen import cover_jpeg, write_audio
from tests.e2e.server import ServerProcess
from tests.storage.s3server import s3_bucket, s3_endpoint  # noqa: F401  (fixtures)
from tonearm.client import Tonearm


@pytest.fixture
def server(tmp_path, s3_bucket, s3_endpoint):  # noqa: F811
    srv = ServerProcess(tmp_path / "data", env={
        "TONEARM_STORAGE_URL": f"s3://{s3_bucket}/e2e", "TONEARM_S3_ENDPOINT_URL": s3_endpoint,
        "TONEARM_DELIVERY": "redirect",
    })
    srv.start()
    yield srv
    srv.stop()


def test_sdk_upload_to_s3_until_ready(server, tmp_path, s3_bucket, s3_endpoint):  # noqa: F811
    import boto3

    src = write_audio(tmp_path / "song.wav", "wav", seconds=2.0)
    with Tonearm(server.url, server.key) as tn:
        col = tn.collections.create("S3 album")
        track = tn.upload_file(src, col.id, cover=cover_jpeg(240, (20, 160, 60)))
        assert track.size == src.stat().st_size
        track = tn.wait_until_ready(track.id, timeout=120, poll=0.5)
        assert track.track_status_id == "ready"
        play = tn.play_session(track_id=track.id, variants=["hq"])
    objects = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").list_objects_v2(
        Bucket=s3_bucket, Prefix="e2e/tracks/")
    names = {o["Key"].rsplit("/", 1)[1] for o in objects.get("Contents", [])}
    assert {"source", "cover-upload", "hq.m4a", "lq.mp3"} <= names
    assert any(n.startswith("cover_") and n.endswith(".jpg") for n in names)  # sizes made from the posted cover
    assert not list((server.data_dir / "work").rglob("fetch-*"))  # the worker's downloads were removed
    r = httpx.get(play.first_track.variants[0].url, follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"].startswith(f"{s3_endpoint}/{s3_bucket}/e2e/tracks/")
    got = httpx.get(r.headers["location"], headers={"Range": "bytes=0-7"})
    assert got.status_code == 206 and got.content[4:8] == b"ftyp"  # an MP4 from the first byte
