"""An upload cut off by an API crash does not leave the track `receiving` forever: once no bytes
have arrived for TONEARM_UPLOAD_STALL_SECONDS the claim is released, and the same upload URL works."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

import httpx

from tests.audiogen import write_audio
from tests.e2e.server import ServerProcess

DECLARED = 200 * 1024 * 1024
SENT = 40 * 1024 * 1024


def _start_put(url: str) -> http.client.HTTPConnection:
    """Begin a 200 MB PUT and send the first 40 MB of it; the rest never comes."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.putrequest("PUT", f"{parts.path}?{parts.query}")
    conn.putheader("Content-Type", "audio/wav")
    conn.putheader("Content-Length", str(DECLARED))
    conn.endheaders()
    chunk = b"\0" * (1024 * 1024)
    for _ in range(SENT // len(chunk)):
        conn.send(chunk)
    return conn


def test_api_killed_mid_put_then_the_same_url_uploads(tmp_path):
    server = ServerProcess(tmp_path / "data", env={"TONEARM_UPLOAD_STALL_SECONDS": "2",
                                                   "TONEARM_REAP_INTERVAL_SECONDS": "1"}).start()
    try:
        api = httpx.Client(base_url=server.url, headers=server.headers, timeout=30)
        col = api.post("/v1/collection", json={"title": "crash"}).json()["collection_id"]
        created = api.post("/v1/track", json={"collection_id": col, "file_name": "a.wav"}).json()
        url, tid = created["track_upload"]["upload_url"], created["track_id"]

        conn = _start_put(url)
        time.sleep(0.5)
        server.proc.kill()  # SIGKILL mid-upload
        server.proc.wait(10)
        conn.close()
        server.start()  # same port, same data dir: the track is still `receiving` (claimed by the dead PUT)

        audio = write_audio(tmp_path / "a.wav", "wav", seconds=1.0).read_bytes()
        deadline, r = time.time() + 30, None
        while time.time() < deadline:
            r = httpx.put(url, content=audio, timeout=30)
            if r.status_code == 200:
                break
            assert r.status_code == 403 and r.json()["ok"] is False
            time.sleep(0.5)
        assert r is not None and r.status_code == 200, r.text
        assert r.json()["size"] == len(audio)

        status = None
        while time.time() < deadline + 30:
            status = api.get(f"/v1/track/{tid}").json()["track"]["track_status_id"]
            if status in ("ready", "incomplete", "error", "init_error"):
                break
            time.sleep(0.3)
        assert status == "ready"
    finally:
        server.stop()
