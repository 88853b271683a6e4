"""Kill the server (and its in-process worker) with SIGKILL mid-job: after a restart the track
still becomes ready, with one file per variant and the original intact."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import time

import httpx

from tests.audiogen import write_audio
from tests.e2e.server import ServerProcess

ENV = {"TONEARM_JOB_LEASE_SECONDS": "3", "TONEARM_REAP_INTERVAL_SECONDS": "2"}


def _lease(db_path, track_id) -> tuple[str | None, str | None]:
    with sqlite3.connect(db_path) as conn:
        row = conn.execute("select lease_expires_at, track_status_id from tracks where id = ?",
                           (track_id.replace("-", ""),)).fetchone()
    return row if row else (None, None)


def _wait_ready(srv, track_id, timeout=120.0) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        track = httpx.get(f"{srv.url}/v1/track/{track_id}", headers=srv.headers).json()["track"]
        if track["track_status_id"] in ("ready", "incomplete", "error", "init_error"):
            return track
        time.sleep(0.2)
    raise AssertionError(f"track {track_id} not finished: {track['track_status_id']}")


def test_sigkill_mid_job_recovers(tmp_path):
    data = tmp_path / "data"
    srv = ServerProcess(data, env=ENV, args=["--concurrency", "1"]).start()
    try:
        col = httpx.post(f"{srv.url}/v1/collection", json={"title": "crash"}, headers=srv.headers).json()["collection_id"]
        created = httpx.post(f"{srv.url}/v1/track", json={"collection_id": col, "file_name": "long.wav"},
                             headers=srv.headers).json()
        track_id = created["track_id"]
        audio = write_audio(tmp_path / "long.wav", "wav", seconds=240.0, kind="noise", amp=0.3)
        digest = hashlib.sha256(audio.read_bytes()).hexdigest()
        with open(audio, "rb") as fh:
            assert httpx.put(created["track_upload"]["upload_url"], content=fh, timeout=60).status_code == 200
        deadline = time.time() + 30
        while time.time() < deadline and _lease(data / "tonearm.db", track_id)[0] is None:
            time.sleep(0.02)
        lease, status = _lease(data / "tonearm.db", track_id)
        assert lease is not None, f"the job never started (status {status})"
        time.sleep(0.3)  # well inside the encode
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait(10)
    finally:
        srv.stop()
    assert _lease(data / "tonearm.db", track_id)[1] != "ready", "the job finished before the kill; use a longer file"

    time.sleep(3.5)  # let the dead worker's lease expire
    again = ServerProcess(data, env=ENV, args=["--concurrency", "1"])
    again.key, again.port, again.url = srv.key, srv.port, srv.url
    again.start()
    try:
        track = _wait_ready(again, track_id)
        assert track["track_status_id"] == "ready", track["status_text"]
        assert abs(track["duration"] - 240.0) < 0.1
        with sqlite3.connect(data / "tonearm.db") as conn:
            rows = conn.execute("select variant_index, count(*) from track_files where track_id = ? group by 1",
                                (track_id.replace("-", ""),)).fetchall()
            key, sha = conn.execute("select original_key, original_sha256 from tracks where id = ?",
                                    (track_id.replace("-", ""),)).fetchone()
        assert all(n == 1 for _, n in rows) and len(rows) == 7
        assert sha == digest
        assert hashlib.sha256((data / "objects" / key).read_bytes()).hexdigest() == digest
    finally:
        again.stop()
