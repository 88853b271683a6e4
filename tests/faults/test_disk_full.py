"""The data directory fills up during an upload (a small tmpfs): the upload fails with a clear 507
in the envelope, nothing half-written is kept or served, the server keeps running, and uploads
work again once there is room."""

from __future__ import annotations

import os
import subprocess
import time

import httpx
import pytest

from tests.audiogen import write_audio
from tests.e2e.server import ServerProcess

SIZE_MB = 24


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _objects(root):
    """Stored objects, but for the deployment's storage canary (written at start)."""
    if not (root / "objects").exists():
        return []
    return [p for p in (root / "objects").rglob("*") if p.is_file() and p.relative_to(root / "objects").parts[0] != "tonearm"]


def test_disk_full_during_upload(small_disk, tmp_path):
    data = small_disk / "data"
    server = ServerProcess(data).start()
    try:
        api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.key}"}, timeout=60)
        col = api.post("/v1/collection", json={"title": "full"}).json()["collection_id"]
        big = api.post("/v1/track", json={"collection_id": col, "file_name": "big.wav"}).json()

        def body():
            for _ in range(SIZE_MB * 2):  # twice the disk
                yield b"\0" * (1024 * 1024)

        r = httpx.put(big["track_upload"]["upload_url"], content=body(), timeout=60)
        assert r.status_code == 507, r.text
        assert r.json()["ok"] is False and "storage" in r.json()["message"].lower()
        assert api.get("/healthz").status_code == 200
        assert not [p for p in (data / "tmp").glob("*")], "the partial upload was left on disk"
        assert not _objects(data), "a half-written original was stored"
        track = api.get(f"/v1/track/{big['track_id']}").json()["track"]
        assert track["track_status_id"] not in ("ready", "processing")

        # With room again (the partial file is gone) a normal upload works end to end.
        small = api.post("/v1/track", json={"collection_id": col, "file_name": "ok.mp3"}).json()
        audio = write_audio(tmp_path / "ok.mp3", "mp3", seconds=1.0).read_bytes()
        assert httpx.put(small["track_upload"]["upload_url"], content=audio, timeout=30).status_code == 200
        deadline = time.time() + 60
        while time.time() < deadline:
            status = api.get(f"/v1/track/{small['track_id']}").json()["track"]["track_status_id"]
            if status in ("ready", "error", "init_error", "incomplete"):
                break
            time.sleep(0.3)
        assert status == "ready"
        # and the big track's URL can be retried later
        assert httpx.put(big["track_upload"]["upload_url"], content=audio, timeout=30).status_code == 200
    finally:
        server.stop()
    log = server.log.read_text()
    assert "Traceback" not in log, log[-3000:]
