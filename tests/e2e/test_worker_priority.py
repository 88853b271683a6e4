"""Listeners first: `tonearm serve` on the embedded queue runs its job consumer in a child process
TONEARM_WORKER_NICE nice levels below the API, under SCHED_BATCH. Against real `serve` processes:
every thread of the child (encoder threads included) runs at that niceness and policy and the
jobs run there; the child dies
with a SIGKILLed parent, comes back after a crash, and finishes its running job on SIGTERM; 0 turns
it off."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import httpx
from prometheus_client.mmap_dict import MmapedDict

from tests.audiogen import write_audio
from tests.e2e.server import ServerProcess

NICE = 7  # not the default, so the setting is what is tested


def _stat(pid: int, tid: int | None = None) -> list[str]:
    path = f"/proc/{pid}/task/{tid}/stat" if tid else f"/proc/{pid}/stat"
    return Path(path).read_text().rsplit(")", 1)[1].split()  # fields from 3 (state) on


def _alive(pid: int) -> bool:
    try:
        return _stat(pid)[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return False


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat(int(entry))[1]) == pid and _alive(int(entry)):
                    out.append(int(entry))
            except (OSError, IndexError):
                pass
    return out


def _descendants(pid: int) -> list[int]:
    out = []
    for kid in _children(pid):
        out += [kid, *_descendants(kid)]
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _all_gone(pids: list[int], timeout: float = 15) -> list[int]:
    deadline = time.time() + timeout
    while (left := [p for p in pids if _alive(p)]) and time.time() < deadline:
        time.sleep(0.05)
    return left


def _consumer(srv: ServerProcess, timeout: float = 15, not_pid: int | None = None) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline:
        kids = [p for p in _children(srv.proc.pid) if p != not_pid]
        if kids:
            assert len(kids) == 1, kids
            assert b"tonearm.cli.consumer" in Path(f"/proc/{kids[0]}/cmdline").read_bytes()
            return kids[0]
        time.sleep(0.05)
    raise AssertionError("no consumer child process")


def _task_priorities(pid: int) -> dict[int, tuple[int, int]]:
    """{thread id: (nice, scheduling policy)} of every thread of `pid`."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            fields = _stat(pid, int(tid))
            out[int(tid)] = (int(fields[16]), int(fields[38]))  # fields 19 (nice) and 41 (policy)
        except (OSError, IndexError):
            pass  # the thread ended meanwhile
    return out


def _upload(srv: ServerProcess, path: Path) -> str:
    col = httpx.post(f"{srv.url}/v1/collection", json={"title": "nice"}, headers=srv.headers).json()["collection_id"]
    created = httpx.post(f"{srv.url}/v1/track", json={"collection_id": col, "file_name": path.name},
                         headers=srv.headers).json()
    with open(path, "rb") as fh:
        assert httpx.put(created["track_upload"]["upload_url"], content=fh, timeout=60).status_code == 200
    return created["track_id"]


def _status(srv: ServerProcess, track_id: str) -> str:
    return httpx.get(f"{srv.url}/v1/track/{track_id}", headers=srv.headers).json()["track"]["track_status_id"]


def _jobs_started_by_pid(metrics_dir: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    for path in metrics_dir.glob("counter_*.db"):
        for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):
            name, sample, labels, _help = json.loads(key)
            if sample == "tonearm_jobs_started_total" and labels.get("job") == "processing.track" and value:
                out[path.stem.rsplit("_", 1)[-1]] = value
    return out


def test_jobs_run_in_a_child_at_the_configured_niceness(tmp_path):
    base = os.getpriority(os.PRIO_PROCESS, 0)
    srv = ServerProcess(tmp_path / "data", env={"TONEARM_WORKER_NICE": str(NICE)}).start()
    try:
        child = _consumer(srv)
        idle_threads = len(_task_priorities(child))
        track_id = _upload(srv, write_audio(tmp_path / "a.wav", "wav", seconds=45.0, kind="noise", amp=0.3))
        seen_child, seen_parent, seen_render, most, busiest = set(), set(), set(), 0, 0
        deadline = time.time() + 90
        while (status := _status(srv, track_id)) in ("processing", "fallback", "fallback_processing", "stored"):
            assert time.time() < deadline, status
            threads = _task_priorities(child)
            seen_child |= set(threads.values())
            for render in _descendants(child):  # the render processes (decoder and encoder threads)
                render_threads = _task_priorities(render) if _alive(render) else {}
                seen_render |= set(render_threads.values())
                busiest = max(busiest, len(render_threads))
            seen_parent |= set(_task_priorities(srv.proc.pid).values())
            most = max(most, len(threads))
            time.sleep(0.01)
        assert status == "ready"
        assert seen_child == {(min(19, base + NICE), os.SCHED_BATCH)}  # every thread of the consumer
        # ... and of its render processes, where the decoder and encoder threads run
        assert seen_render == {(min(19, base + NICE), os.SCHED_BATCH)}
        assert seen_parent == {(base, os.SCHED_OTHER)}  # the API keeps its priority
        assert most > idle_threads, "the job's thread was not seen"
        assert busiest > 3, "no render process with its encoder threads was seen"
        started = _jobs_started_by_pid(srv.data_dir / "metrics" / str(srv.port))
        assert started == {str(child): 1.0}  # the job ran in the child, and only there
        assert "tonearm_tracks_finished_total" in httpx.get(f"{srv.url}/metrics").text  # its metrics show
    finally:
        srv.stop()


def test_child_dies_with_a_sigkilled_parent_and_comes_back_after_a_crash(tmp_path):
    srv = ServerProcess(tmp_path / "data").start()
    try:
        first = _consumer(srv)
        assert int(_stat(first)[16]) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)  # the default
        os.kill(first, signal.SIGKILL)
        second = _consumer(srv, not_pid=first)
        track_id = _upload(srv, write_audio(tmp_path / "b.wav", "wav", seconds=5.0))
        deadline = time.time() + 60
        while (status := _status(srv, track_id)) not in ("ready", "incomplete", "error", "init_error"):
            assert time.time() < deadline, status
            time.sleep(0.1)
        assert status == "ready"

        below = _descendants(second)  # its render processes
        assert below, "the consumer rendered without render processes"
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait(10)
        assert _all_gone([second], 10) == [], "the consumer outlived its parent"
        assert _all_gone(below) == [], [_cmdline(p) for p in below]
    finally:
        srv.stop()


def test_sigterm_lets_the_running_job_finish(tmp_path):
    data = tmp_path / "data"
    srv = ServerProcess(data, env={"TONEARM_REAP_INTERVAL_SECONDS": "300"}).start()
    try:
        child = _consumer(srv)
        track_id = _upload(srv, write_audio(tmp_path / "c.wav", "wav", seconds=60.0, kind="noise", amp=0.3))
        deadline = time.time() + 30
        while _lease(data, track_id) is None:
            assert time.time() < deadline, "the job never started"
            time.sleep(0.02)
        below = _descendants(child)
        srv.proc.terminate()
        assert srv.proc.wait(60) == -signal.SIGTERM
        assert not _alive(child)
        assert _all_gone(below) == [], [_cmdline(p) for p in below]
        with sqlite3.connect(data / "tonearm.db") as conn:
            status = conn.execute("select track_status_id from tracks where id = ?",
                                  (track_id.replace("-", ""),)).fetchone()[0]
        assert status == "ready"
    finally:
        srv.stop()


def _lease(data: Path, track_id: str) -> str | None:
    with sqlite3.connect(data / "tonearm.db") as conn:
        row = conn.execute("select lease_expires_at from tracks where id = ?", (track_id.replace("-", ""),)).fetchone()
    return row[0] if row else None


def test_zero_turns_it_off(tmp_path):
    """TONEARM_WORKER_NICE=0: the consumer is threads inside `serve`, at the server's priority."""
    base = os.getpriority(os.PRIO_PROCESS, 0)
    srv = ServerProcess(tmp_path / "data", env={"TONEARM_WORKER_NICE": "0"}).start()
    try:
        track_id = _upload(srv, write_audio(tmp_path / "d.wav", "wav", seconds=5.0))
        deadline = time.time() + 60
        while (status := _status(srv, track_id)) not in ("ready", "incomplete", "error", "init_error"):
            assert time.time() < deadline, status
            time.sleep(0.1)
        assert status == "ready"
        kids = _descendants(srv.proc.pid)  # no consumer child: only render processes
        assert kids and all("tonearm.processing.render_worker" in _cmdline(k) for k in kids), \
            [_cmdline(k) for k in kids]
        assert set(_task_priorities(srv.proc.pid).values()) == {(base, os.SCHED_OTHER)}
        assert {v for k in kids for v in _task_priorities(k).values()} <= {(base, os.SCHED_OTHER)}
    finally:
        srv.stop()
