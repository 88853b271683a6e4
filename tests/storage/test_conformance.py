"""One behaviour, every backend: the same checks run over local disk and S3 (moto server)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tonearm.settings import Settings
from tonearm.storage import can_presign, open_storage

MiB = 1024 * 1024


@pytest.fixture(params=["local", "s3-moto", "s3-rclone"])
def storage(request, tmp_path):
    if request.param == "local":
        return open_storage(f"file://{tmp_path / 'objects'}")
    if request.param == "s3-moto":
        endpoint, bucket = request.getfixturevalue("s3_endpoint"), request.getfixturevalue("s3_bucket")
    else:
        endpoint, bucket = request.getfixturevalue("rclone_s3")[0], request.getfixturevalue("rclone_bucket")
    settings = Settings(data_dir=tmp_path / "data", s3_endpoint_url=endpoint, s3_multipart_threshold=5 * MiB)
    return open_storage(f"s3://{bucket}/some/prefix", settings)


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_put_stat_open_delete(storage, tmp_path):
    data = os.urandom(70_000)
    info = storage.put("tracks/0123456789abcdef/hq.m4a", _file(tmp_path, "a", data))
    assert info.size == len(data)
    st = storage.stat("tracks/0123456789abcdef/hq.m4a")
    assert st is not None and st.size == len(data) and st.mtime > 0
    with storage.open("tracks/0123456789abcdef/hq.m4a") as fh:
        assert fh.read() == data
    storage.delete("tracks/0123456789abcdef/hq.m4a")
    assert storage.stat("tracks/0123456789abcdef/hq.m4a") is None
    storage.delete("tracks/0123456789abcdef/hq.m4a")  # deleting twice is fine


def test_ranged_reads(storage, tmp_path):
    data = os.urandom(10_000)
    storage.put("k/obj.bin", _file(tmp_path, "a", data))
    with storage.open("k/obj.bin", 1234, 100) as fh:
        assert fh.read() == data[1234:1334]
    with storage.open("k/obj.bin", 9990) as fh:
        assert fh.read() == data[9990:]
    fh = storage.open("k/obj.bin", 0, 10)
    assert fh.read(4) == data[:4] and fh.read() == data[4:10]
    fh.close()


def test_overwrite_replaces(storage, tmp_path):
    storage.put("k/x.json", _file(tmp_path, "a", b"first version"))
    storage.put("k/x.json", _file(tmp_path, "b", b"second"))
    with storage.open("k/x.json") as fh:
        assert fh.read() == b"second"
    assert storage.stat("k/x.json").size == 6


def test_missing_objects(storage, tmp_path):
    assert storage.stat("k/nothing.bin") is None
    with pytest.raises(FileNotFoundError):
        storage.open("k/nothing.bin").read()
    with pytest.raises(FileNotFoundError):
        with storage.fetch("k/nothing.bin", tmp_path):
            pass


def test_fetch_gives_a_local_file_and_cleans_up(storage, tmp_path):
    data = os.urandom(300_000)
    storage.put("tracks/0123456789abcdef/source", _file(tmp_path, "a", data))
    work = tmp_path / "work"
    work.mkdir()
    with storage.fetch("tracks/0123456789abcdef/source", work) as path:
        assert Path(path).read_bytes() == data
        kept = Path(path)
    if storage.local_path("tracks/0123456789abcdef/source") is None:
        assert not kept.exists() and list(work.iterdir()) == []  # the temporary download is gone
    else:
        assert kept.exists()  # local storage hands out the object itself and must not delete it
    assert storage.stat("tracks/0123456789abcdef/source").size == len(data)


@pytest.mark.parametrize("key", ["../escape", "a/../../b", "/abs", "", "a//b", "a/.hidden", "x" * 401, "sp ace"])
def test_path_tricks_are_refused(storage, tmp_path, key):
    with pytest.raises(ValueError):
        storage.put(key, _file(tmp_path, "a", b"x"))
    with pytest.raises(ValueError):
        storage.open(key)
    assert storage.stat(key) is None


def test_large_put_streams_in_parts(storage, tmp_path):
    calls: list[str] = []
    if can_presign(storage):  # count the S3 operations boto3 really sends
        storage.client.meta.events.register("before-call.s3.*", lambda model, **kw: calls.append(model.name))
    data = os.urandom(11 * MiB)
    info = storage.put("big/file.bin", _file(tmp_path, "big", data))
    assert info.size == len(data)
    with storage.open("big/file.bin", 6 * MiB - 3, 6) as fh:
        assert fh.read() == data[6 * MiB - 3: 6 * MiB + 3]
    with storage.fetch("big/file.bin", tmp_path) as path:
        assert path.stat().st_size == len(data) and path.read_bytes()[-100:] == data[-100:]
    if can_presign(storage):
        # Above the threshold the file goes up in 8 MiB parts, never as one body.
        assert calls.count("CreateMultipartUpload") == 1 and calls.count("UploadPart") == 2
        assert "PutObject" not in calls and calls.count("CompleteMultipartUpload") == 1
