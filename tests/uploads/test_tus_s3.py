"""tus on S3 storage (moto's real S3 API): chunks become multipart parts of ≥ 5 MiB uploaded by the
server, the tail waits on local disk, S3's list of parts is checked on resume, termination and
expiry abort the multipart upload. And presigned PUT URLs sign the declared file_size (rclone
serve s3, which checks signatures)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import boto3
import httpx
import pytest

from tests.storage.s3server import rclone_bucket, rclone_s3, s3_bucket, s3_endpoint  # noqa: F401  (fixtures)
from tests.uploads.tus_helpers import TUS, create, head, patch, rel, session_track
from tonearm.catalog.models import Track
from tonearm.db.session import session_scope
from tonearm.settings import Settings
from tonearm.uploads import tus
from tonearm.uploads.models import TusUpload

MiB = 1024 * 1024
DATA = hashlib.sha256(b"seed").digest() * (21 * MiB // 32)  # 21 MiB: two 8 MiB parts and a 5 MiB tail


@pytest.fixture
def settings(database_url, tmp_path, s3_bucket, s3_endpoint):  # noqa: F811
    return Settings(data_dir=tmp_path / "data", database_url=database_url, secret_key="tus-s3-" + uuid.uuid4().hex,
                    public_url="http://testserver", queue_url="memory://", storage_url=f"s3://{s3_bucket}/tn",
                    s3_endpoint_url=s3_endpoint)


def _s3(settings):
    return boto3.client("s3", endpoint_url=settings.s3_endpoint_url, region_name="us-east-1")


def _row(settings) -> TusUpload:
    with session_scope(settings.database_url) as db:
        row = db.query(TusUpload).one()
        db.expunge(row)
        return row


def test_s3_parts_resume_and_complete(client, org, settings, s3_bucket, queue):  # noqa: F811
    created = session_track(client, org)
    location = create(client, created, len(DATA))[1]["location"]
    row = _row(settings)
    assert row.s3_upload_id and row.part_size == 8 * MiB
    first = 11 * MiB + 12345
    assert patch(client, location, 0, DATA[:first]).headers["upload-offset"] == str(first)
    key = f"tn/{_track_key(settings, created['track_id'])}"
    parts = _s3(settings).list_parts(Bucket=s3_bucket, Key=key, UploadId=row.s3_upload_id)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 8 * MiB)]  # the rest waits in the tail
    assert _row(settings).parts_done == 1
    assert head(client, location).headers["upload-offset"] == str(first)  # HEAD checks S3's list
    r = patch(client, location, first, DATA[first:])
    assert r.status_code == 204 and r.headers["upload-offset"] == str(len(DATA))
    body = _s3(settings).get_object(Bucket=s3_bucket, Key=key)["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(DATA).digest()
    assert [name for name, _ in queue.jobs] == ["processing.track"]
    assert not list((settings.data_dir / "tus").iterdir())


def _track_key(settings, tid) -> str:
    with session_scope(settings.database_url) as db:
        return f"tracks/{db.get(Track, uuid.UUID(tid)).index}/source"


def test_s3_lost_part_resumes_from_what_s3_lists(client, org, settings, s3_bucket):  # noqa: F811
    created = session_track(client, org)
    location = create(client, created, len(DATA))[1]["location"]
    patch(client, location, 0, DATA[:17 * MiB])
    row = _row(settings)
    assert row.parts_done == 2
    # The database says two parts; S3 now has only the first (as if part 2 never landed).
    s3, key = _s3(settings), f"tn/{_track_key(settings, created['track_id'])}"
    s3.upload_part(Bucket=s3_bucket, Key=key, UploadId=row.s3_upload_id, PartNumber=2, Body=b"short")
    assert head(client, location).headers["upload-offset"] == str(8 * MiB)
    assert patch(client, location, 17 * MiB, DATA[17 * MiB:]).status_code == 409
    assert patch(client, location, 8 * MiB, DATA[8 * MiB:]).status_code == 204
    body = s3.get_object(Bucket=s3_bucket, Key=key)["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(DATA).digest()


def test_s3_termination_and_expiry_abort_the_multipart_upload(client, org, settings, s3_bucket):  # noqa: F811
    s3 = _s3(settings)
    for how in ("terminate", "expire"):
        created = session_track(client, org)
        location = create(client, created, len(DATA))[1]["location"]
        patch(client, location, 0, DATA[:9 * MiB])
        assert s3.list_multipart_uploads(Bucket=s3_bucket).get("Uploads")
        if how == "terminate":
            assert client.delete(rel(location), headers=TUS).status_code == 204
        else:
            with session_scope(settings.database_url) as db:
                db.query(TusUpload).one().expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            assert tus.sweep(client.app.state.runtime) == 1
        assert not s3.list_multipart_uploads(Bucket=s3_bucket).get("Uploads")
        assert not list((settings.data_dir / "tus").iterdir())
        with session_scope(settings.database_url) as db:
            assert db.get(Track, uuid.UUID(created["track_id"])).upload_state == "pending"
            assert db.query(TusUpload).count() == 0


def test_s3_small_file_is_one_short_part(client, org, settings, s3_bucket):  # noqa: F811
    created = session_track(client, org)
    location = create(client, created, 1000)[1]["location"]
    assert patch(client, location, 0, DATA[:1000]).headers["upload-offset"] == "1000"
    key = f"tn/{_track_key(settings, created['track_id'])}"
    assert _s3(settings).get_object(Bucket=s3_bucket, Key=key)["Body"].read() == DATA[:1000]


@pytest.fixture
def rclone_settings(tmp_path, rclone_s3, rclone_bucket):  # noqa: F811
    from tonearm.db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'rc.db'}"
    upgrade(url)
    return Settings(data_dir=tmp_path / "rc", database_url=url, secret_key="rc-" + uuid.uuid4().hex,
                    public_url="http://testserver", queue_url="memory://", storage_url=f"s3://{rclone_bucket}/tn",
                    s3_endpoint_url=rclone_s3[0])


def test_presigned_put_signs_the_declared_size(rclone_settings):
    from starlette.testclient import TestClient

    from tests.conftest import Org
    from tonearm.api.app import create_app
    from tonearm.jobs.queue import MemoryQueue

    with TestClient(create_app(rclone_settings, queue=MemoryQueue())) as client:
        org = Org(rclone_settings)
        created = session_track(client, org, file_size=1000)
        url = created["track_upload"]["upload_url"]
        assert "content-length" in url.lower()
        refused = httpx.put(url, content=b"x" * 2000, timeout=30)
        assert refused.status_code == 403
        assert httpx.put(url, content=b"y" * 1000, timeout=30).status_code == 200
        unsized = session_track(client, org)["track_upload"]["upload_url"]  # no file_size: nothing signed
        assert httpx.put(unsized, content=b"z" * 2000, timeout=30).status_code == 200


def test_s3_completion_call_refused_while_tus_holds_the_track(client, org, settings):
    created = session_track(client, org)
    assert create(client, created, len(DATA))[0] == 201
    r = client.post(rel(created["track_upload"]["complete_url"]))
    assert r.status_code == 409 and "tus" in r.json()["message"]
