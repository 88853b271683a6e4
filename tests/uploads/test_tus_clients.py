"""Real tus clients no one here wrote, against a real `tonearm serve`, on local disk and on S3
(moto): tuspy (PyPI) survives dropped connections at ~30 % and ~70 % of a 300 MB master and a
SIGKILL of the server mid-upload, resuming from the last acknowledged offset; the track becomes
`ready`. (tus-js-client in Chromium: tests/browser/test_tus_js.py.)"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time

import httpx
import pytest
from tusclient import client as tus_client
from tusclient.storage.filestorage import FileStorage

from tests.e2e.server import ServerProcess
from tests.storage.s3server import s3_bucket, s3_endpoint  # noqa: F401  (fixtures)
from tests.uploads.cutproxy import CutProxy
from tests.uploads.tus_helpers import big_wav, start_server

MB = 1024 * 1024
# Hundreds of MB through two Python processes and a Python proxy: on a shared 2-core machine at a
# load of 20 the suite's 300 s can pass before the upload does. A hang is still caught early (the
# SIGKILL test asserts that tuspy's thread ended within 60 s of the kill).
pytestmark = pytest.mark.timeout(1200)


@pytest.fixture(params=["local", "s3"])
def live(request, tmp_path):
    """(server, proxy): the server's public URL is the proxy's, so every tus URL goes through it."""
    proxy = CutProxy(0)
    env = {"TONEARM_PUBLIC_URL": proxy.url, "TONEARM_UPLOAD_STALL_SECONDS": "600"}
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        env |= {"TONEARM_STORAGE_URL": f"s3://{bucket}/tn",
                "TONEARM_S3_ENDPOINT_URL": request.getfixturevalue("s3_endpoint")}
    server = ServerProcess(tmp_path / "data", env=env)
    proxy.target = ("127.0.0.1", server.port)
    try:
        start_server(server)
        proxy.start()
        yield server, proxy
    finally:
        proxy.stop()
        server.stop()


def _track(server: ServerProcess, size: int) -> dict:
    api = httpx.Client(base_url=server.url, headers=server.headers, timeout=30)
    col = api.post("/v1/collection", json={"title": "masters"}).json()["collection_id"]
    sid = api.post("/v1/upload_session", json={"collection_id": col}).json()["upload_session_id"]
    r = httpx.post(f"{server.url}/v1/upload/{sid}/track", json={"file_name": "master.wav", "file_size": size})
    assert r.status_code == 200, r.text
    return r.json()


def _wait_status(server: ServerProcess, tid: str, timeout: float = 600) -> dict:
    deadline, track = time.time() + timeout, {}
    while time.time() < deadline:
        track = httpx.get(f"{server.url}/v1/track/{tid}", headers=server.headers, timeout=30).json()["track"]
        if track["track_status_id"] in ("ready", "incomplete", "error", "init_error"):
            return track
        time.sleep(0.5)
    return track


def _stored_sha256(server: ServerProcess, tid: str) -> str | None:
    """Local disk: the stored original's digest (read from the server's own database and folder)."""
    db = sqlite3.connect(server.data_dir / "tonearm.db")
    key = db.execute("SELECT original_key FROM tracks WHERE id = ?", (tid.replace("-", ""),)).fetchone()
    db.close()
    path = server.data_dir / "objects" / key[0] if key else None
    if path is None or not path.exists():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(8 * MB):
            digest.update(block)
    return digest.hexdigest()


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(8 * MB):
            digest.update(block)
    return digest.hexdigest()


def test_tuspy_300mb_survives_two_dropped_connections(live, tmp_path):
    server, proxy = live
    size = 300 * MB
    path = big_wav(tmp_path / "master.wav", size)
    created = _track(server, size)
    handle = created["track_upload_resumable"]
    proxy.cut_at = [int(size * 0.3), int(size * 0.7)]
    uploader = tus_client.TusClient(handle["url"]).uploader(
        str(path), chunk_size=handle["chunk_size"], retries=10, retry_delay=1, upload_checksum=True,
        metadata={"filename": "master.wav"})
    uploader.upload()
    assert uploader.offset == size and proxy.cuts == 2
    # Resumed, not restarted: at most one chunk per drop was sent twice.
    assert proxy.sent < size + 2 * handle["chunk_size"] + 4 * MB
    track = _wait_status(server, created["track_id"])
    assert track["track_status_id"] == "ready", track
    if "TONEARM_STORAGE_URL" not in server.env:
        assert _stored_sha256(server, created["track_id"]) == _sha256(path)


def test_tuspy_resumes_after_the_server_is_sigkilled(live, tmp_path):
    server, proxy = live
    size = 96 * MB
    path = big_wav(tmp_path / "master.wav", size)
    created = _track(server, size)
    handle = created["track_upload_resumable"]
    store = FileStorage(str(tmp_path / "tus-urls.json"))
    first = tus_client.TusClient(handle["url"]).uploader(str(path), chunk_size=4 * MB, store_url=True,
                                                        url_storage=store)
    failed = []

    def run():
        try:
            first.upload()
        except Exception as exc:  # the server died under it
            failed.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    while first.offset < size * 0.4 and thread.is_alive():
        time.sleep(0.01)
    assert thread.is_alive(), failed
    server.proc.kill()  # SIGKILL mid-upload: a PATCH is in flight
    server.proc.wait(10)
    thread.join(60)  # tuspy sets no timeout: it raises only because its connection is closed
    assert not thread.is_alive(), "tuspy is still waiting for an answer from the killed server"
    acknowledged = first.offset  # the last Upload-Offset the server answered
    assert failed and 0 < acknowledged < size
    start_server(server)  # same port and data directory
    second = tus_client.TusClient(handle["url"]).uploader(str(path), chunk_size=4 * MB, store_url=True,
                                                         url_storage=store, retries=10, retry_delay=1)
    assert second.url == first.url and second.offset >= acknowledged  # nothing acknowledged was lost
    second.upload()
    track = _wait_status(server, created["track_id"])
    assert track["track_status_id"] == "ready", track
    if "TONEARM_STORAGE_URL" not in server.env:
        assert _stored_sha256(server, created["track_id"]) == _sha256(path)
