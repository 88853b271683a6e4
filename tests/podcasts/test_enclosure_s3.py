"""Enclosure URLs in S3 redirect mode: HEAD answers from the bucket's object, GET is a 302 to a
freshly presigned URL that honours Range (moto server, the real S3 API)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from tests.helpers import create_collection, create_track
from tests.storage.s3server import s3_bucket, s3_endpoint  # noqa: F401  (fixtures)
from tonearm.api.app import create_app
from tonearm.catalog.models import Track, TrackFile, Variant
from tonearm.db.session import session_scope
from tonearm.jobs.queue import MemoryQueue
from tonearm.settings import Settings
from tonearm.storage import keys

DATA = bytes(range(256)) * 300


@pytest.fixture
def settings(database_url, tmp_path, s3_bucket, s3_endpoint):  # noqa: F811  (the `org` fixture uses it too)
    return Settings(data_dir=tmp_path / "data", database_url=database_url, secret_key="s3-" + uuid.uuid4().hex,
                    public_url="http://testserver", queue_url="memory://", storage_url=f"s3://{s3_bucket}/p",
                    s3_endpoint_url=s3_endpoint, delivery="redirect")


def _s3_file(client, settings, track_id: str) -> None:
    rt = client.app.state.runtime
    with session_scope(settings.database_url) as db:
        track = db.get(Track, uuid.UUID(track_id))
        variant = db.scalar(select(Variant).where(Variant.organization_id == track.organization_id,
                                                  Variant.index == "lq"))
        key = keys.variant(track.index, "lq", "mp3")
        tmp = settings.data_dir / "up.mp3"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(DATA)
        rt.storage.put(key, tmp)
        db.add(TrackFile(track_id=track.id, variant_id=variant.id, variant_index="lq", storage_key=key,
                         path=f"/d/{keys.delivery_name(track.index, 'lq', 'mp3')}", size=len(DATA),
                         content_type="audio/mpeg", props={"codec": "mp3", "bitrate": 128}))
        track.track_status_id = "ready"


def test_redirect_mode_enclosure(settings, org):
    with TestClient(create_app(settings, queue=MemoryQueue())) as client:
        col = create_collection(client, org, "S3 show")["id"]
        client.put(f"/v1/collection/{col}", json={"podcast": {"title": "S3 show"}}, headers=org.headers)
        track = create_track(client, org, col)["track_id"]
        _s3_file(client, settings, track)
        url = f"/e/{col}/{track}/lq.mp3"
        head = client.head(url)
        assert head.status_code == 200 and int(head.headers["content-length"]) == len(DATA)
        assert head.headers["content-type"] == "audio/mpeg"
        got = client.get(url, follow_redirects=False)
        assert got.status_code == 302 and "X-Amz-Signature=" in got.headers["location"]
        part = httpx.get(got.headers["location"], headers={"Range": "bytes=10-19"})
        assert part.status_code == 206 and part.content == DATA[10:20]
        assert f"/e/{col}/{track}/lq.mp3" in client.get(f"/feeds/{col}.xml").text
