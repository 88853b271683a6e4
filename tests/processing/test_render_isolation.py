"""Renders run in a process of their own (processing/renderers.py): a render process that dies
mid-render (killed here with SIGKILL, as the OOM killer or a crash inside FFmpeg would end it)
costs that run one attempt, never the worker; the retry finishes the track, and a track whose
renders keep dying ends in `error` saying why."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid

import pytest

from tests.audiogen import write_audio
from tests.helpers import create_collection, upload_bytes
from tonearm.catalog.models import Track
from tonearm.db.session import session_scope
from tonearm.jobs.queue import MemoryQueue
from tonearm.processing import renderers
from tonearm.processing.tasks import process_track


@pytest.fixture
def queue():
    return MemoryQueue()  # uploads only enqueue; each test drives the job body


def _uploaded(client, org, tmp_path, seconds: float) -> uuid.UUID:
    audio = write_audio(tmp_path / "a.wav", "wav", seconds=seconds).read_bytes()
    col = create_collection(client, org)["id"]
    created = client.post("/v1/track", json={"collection_id": col, "file_name": "a.wav"}, headers=org.headers).json()
    assert upload_bytes(client, created["track_upload"]["upload_url"], audio).status_code == 200
    return uuid.UUID(created["track_id"])


def _row(settings, tid) -> Track:
    with session_scope(settings.database_url) as db:
        track = db.get(Track, tid)
        db.expunge(track)
        return track


def _kill_the_render(deadline: float = 60.0) -> int:
    """SIGKILL the first render process seen working; its pid."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        pids = renderers.rendering()
        if pids:
            os.kill(pids[0], signal.SIGKILL)
            return pids[0]
        time.sleep(0.005)
    raise AssertionError("no render process was seen working")


def _process_while_killing(rt, tid) -> int:
    killed: list[int] = []
    killer = threading.Thread(target=lambda: killed.append(_kill_the_render()))
    killer.start()
    process_track(rt, str(tid))
    killer.join()
    return killed[0]


def test_the_render_runs_in_another_process(client, org, settings, queue, tmp_path):
    assert settings.render_isolation == "process"  # the default
    tid = _uploaded(client, org, tmp_path, seconds=20.0)
    seen: list[int] = []

    def watch():
        end = time.monotonic() + 60
        while not seen and time.monotonic() < end:
            seen.extend(renderers.rendering())
            time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    process_track(client.app.state.runtime, str(tid))
    watcher.join()
    assert seen and os.getpid() not in seen
    assert _row(settings, tid).track_status_id == "ready"


def test_a_killed_render_costs_one_attempt_then_the_retry_finishes(client, org, settings, queue, tmp_path):
    rt = client.app.state.runtime
    tid = _uploaded(client, org, tmp_path, seconds=20.0)
    queue.jobs.clear()
    pid = _process_while_killing(rt, tid)
    assert pid != os.getpid()  # the test process (the worker here) is alive to say so
    track = _row(settings, tid)
    assert track.track_status_id in ("processing", "fallback"), track.status_text
    assert track.attempts == 1  # the lease is released: the retry below can claim it at once
    assert queue.jobs == [("processing.track", str(tid))]  # retried through the queue
    process_track(rt, str(tid))
    assert _row(settings, tid).track_status_id == "ready"


def test_renders_that_keep_dying_end_in_error_with_the_reason(client, org, settings, queue, tmp_path):
    rt = client.app.state.runtime
    tid = _uploaded(client, org, tmp_path, seconds=20.0)
    with session_scope(settings.database_url) as db:
        db.get(Track, tid).attempts = settings.job_max_attempts - 1  # the last attempt left
    _process_while_killing(rt, tid)
    track = _row(settings, tid)
    assert track.track_status_id == "error"
    assert "render process ended abruptly" in track.status_text
