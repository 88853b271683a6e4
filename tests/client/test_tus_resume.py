"""The SDK and `tonearm upload` send large files through tus and resume them: after a dropped
connection (a proxy resets it mid-chunk) and after Ctrl-C and a re-run (the upload is remembered
in the resume store), against a real `tonearm serve`."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.uploads.cutproxy import CutProxy
from tests.uploads.tus_helpers import big_wav, start_server
from tonearm.client import AsyncTonearm, Tonearm

MB = 1024 * 1024
CHUNK = 4 * MB


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    root = tmp_path_factory.mktemp("tus-sdk")
    proxy = CutProxy(0)
    server = ServerProcess(root / "data", env={"TONEARM_PUBLIC_URL": proxy.url, "TONEARM_TUS_CHUNK_BYTES": str(CHUNK)})
    proxy.target = ("127.0.0.1", server.port)
    try:
        start_server(server)
        proxy.start()
        yield server, proxy
    finally:
        proxy.stop()
        server.stop()


def _collection(server) -> str:
    r = httpx.post(f"{server.url}/v1/collection", json={"title": "sdk"}, headers=server.headers)
    return r.json()["collection_id"]


def _count(server, col) -> int:
    return httpx.get(f"{server.url}/v1/collection/{col}/track", headers=server.headers).json()["count"]


def test_sdk_resumes_after_a_dropped_connection(live, tmp_path):
    server, proxy = live
    size = 20 * MB
    path = big_wav(tmp_path / "drop.wav", size)
    col = _collection(server)
    proxy.cut_at = [proxy.sent + int(size * 0.45)]
    before, reported = proxy.sent, []
    with Tonearm(proxy.url, server.key, resume_store=tmp_path / "store.json") as tn:
        track = tn.upload_file(path, col, progress=reported.append)
        assert track.track_status_id in ("processing", "ready")
        assert tn.wait_until_ready(track.id, timeout=300).track_status_id == "ready"
    assert proxy.cuts == 1 and proxy.sent - before < size + CHUNK + MB  # resumed, not restarted
    assert sum(reported) == size  # rolled back to the server's offset after the drop, then on to the end
    assert _count(server, col) == 1
    assert json.loads((tmp_path / "store.json").read_text()) == {}  # nothing left to resume


def test_sdk_resumes_after_an_interrupted_run(live, tmp_path):
    server, proxy = live
    size = 24 * MB
    path = big_wav(tmp_path / "stop.wav", size)
    col = _collection(server)
    store = tmp_path / "store.json"
    sent = []

    def stop_midway(n: int) -> None:
        sent.append(n)
        if sum(sent) > size * 0.5:
            raise KeyboardInterrupt  # Ctrl-C

    with Tonearm(proxy.url, server.key, resume_store=store) as tn, pytest.raises(KeyboardInterrupt):
        tn.upload_file(path, col, progress=stop_midway)
    saved = list(json.loads(store.read_text()).values())
    assert len(saved) == 1 and saved[0]["upload_url"]
    offset = int(httpx.head(saved[0]["upload_url"], headers={"Tus-Resumable": "1.0.0"}).headers["upload-offset"])
    assert offset >= 2 * CHUNK  # the chunks acknowledged before Ctrl-C stay on the server
    reported = []
    with Tonearm(proxy.url, server.key, resume_store=store) as tn:
        track = tn.upload_file(path, col, progress=reported.append)
    assert reported[0] == offset  # the progress bar starts at the resumed offset
    assert sum(reported) == size and track.id == saved[0]["track_id"]
    assert _count(server, col) == 1  # the same track, not a second one


def test_async_sdk_resumes_after_a_dropped_connection(live, tmp_path):
    server, proxy = live
    size = 20 * MB
    path = big_wav(tmp_path / "adrop.wav", size)
    col = _collection(server)
    proxy.cut_at = [proxy.sent + int(size * 0.55)]
    before, cuts, reported = proxy.sent, proxy.cuts, []

    async def main():
        async with AsyncTonearm(proxy.url, server.key, resume_store=tmp_path / "store.json") as tn:
            track = await tn.upload_file(path, col, progress=reported.append)
            return track, await tn.wait_until_ready(track.id, timeout=300)

    track, ready = asyncio.run(main())
    assert track.track_status_id in ("processing", "ready") and ready.track_status_id == "ready"
    assert proxy.cuts - cuts == 1 and proxy.sent - before < size + CHUNK + MB  # resumed through tus, not sent again
    assert sum(reported) == size
    assert _count(server, col) == 1
    assert json.loads((tmp_path / "store.json").read_text()) == {}


def test_async_sdk_resumes_after_a_cancelled_upload(live, tmp_path):
    """An upload task cancelled midway (the asyncio form of Ctrl-C) is picked up by the next run,
    sync or async alike: both read the same resume store."""
    server, proxy = live
    size = 24 * MB
    path = big_wav(tmp_path / "acancel.wav", size)
    col = _collection(server)
    store = tmp_path / "store.json"

    async def first_run():
        sent, halfway = [], asyncio.Event()

        def progress(n: int) -> None:
            sent.append(n)
            if sum(sent) > size * 0.5:
                halfway.set()

        async with AsyncTonearm(proxy.url, server.key, resume_store=store) as tn:
            task = asyncio.create_task(tn.upload_file(path, col, progress=progress))
            await asyncio.wait([task, asyncio.create_task(halfway.wait())], return_when=asyncio.FIRST_COMPLETED)
            assert not task.done()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(first_run())
    saved = list(json.loads(store.read_text()).values())
    assert len(saved) == 1 and saved[0]["upload_url"]
    offset = int(httpx.head(saved[0]["upload_url"], headers={"Tus-Resumable": "1.0.0"}).headers["upload-offset"])
    assert 0 < offset < size

    async def second_run():
        reported = []
        async with AsyncTonearm(proxy.url, server.key, resume_store=store) as tn:
            track = await tn.upload_file(path, col, progress=reported.append)
        return track, reported

    track, reported = asyncio.run(second_run())
    assert reported[0] == offset  # progress starts at the server's offset
    assert sum(reported) == size and track.id == saved[0]["track_id"]
    assert _count(server, col) == 1
    assert json.loads(store.read_text()) == {}


def test_cli_upload_resumes_after_ctrl_c(live, tmp_path):
    server, proxy = live
    size = 40 * MB
    path = big_wav(tmp_path / "take.wav", size)
    col = _collection(server)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONEARM_")}
    env |= {"TONEARM_URL": proxy.url, "TONEARM_API_KEY": server.key, "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "COLUMNS": "120", "NO_COLOR": "1"}
    cmd = [sys.executable, "-m", "tonearm.cli.main", "upload", str(path), "--collection", col]
    store = tmp_path / "cache" / "tonearm" / "resumable-uploads.json"
    before = proxy.sent
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and proxy.sent - before < size * 0.4:
        time.sleep(0.05)
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=60)
    assert first.returncode != 0
    saved = list(json.loads(store.read_text()).values())
    assert len(saved) == 1 and saved[0]["upload_url"]
    offset = int(httpx.head(saved[0]["upload_url"], headers={"Tus-Resumable": "1.0.0"}).headers["upload-offset"])
    assert 0 < offset < size
    mid = -1
    while mid != proxy.sent:  # bytes the first run left in socket buffers still drain through the proxy
        mid = proxy.sent
        time.sleep(1.0)
    second = subprocess.run(cmd + ["--wait", "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    result = json.loads(second.stdout)
    assert result["uploaded"] == 1 and result["files"][0]["track_id"] == saved[0]["track_id"]
    assert result["files"][0]["status"] == "ready"
    # The re-run sent the rest, not the whole file again. A PATCH refused with 423 while the first
    # run's last request still held the upload (on a loaded machine its final fsync can take a few
    # seconds) is read and discarded by the server, so allow a few chunks of slack.
    assert proxy.sent - mid < min(size, size - offset + 3 * CHUNK)
    assert _count(server, col) == 1
