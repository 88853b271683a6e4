"""Each render runs in a process of its own (TONEARM_RENDER_ISOLATION=process, the default).

Why: a render is several threads (decoder, encoders, meters) that hand frames to each other
through Python. Two renders in one process share one GIL: measured on 2 cores, two 4-minute
tracks took 9.0 s side by side in threads against 6.3 s in two processes (same CPU-seconds). A
process per render also keeps a crash inside FFmpeg on a hostile file (a segfault, an abort, the
OOM killer) inside that render: the worker survives and the job is retried like any other
failure, then ends in `error` with the reason.

How: a small stock of render processes (`python -m tonearm.processing.render_worker`, which
imports the media layer once and then renders request after request, see there). A render takes
an idle process from the stock, or starts one, and gives it back; one that died is never reused,
so a crash touches only its own render. Render processes inherit the worker's nice level and
scheduling class, and end with it. `thread` renders in the calling thread, as before.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

from tonearm.processing.faults import RenderProcessDied
from tonearm.processing.render_worker import read_message, write_message

log = logging.getLogger("tonearm.processing")

#: How many idle render processes are kept; more may run at once (one per running job).
KEEP_IDLE = 4
#: A render process is replaced after this many renders (FFmpeg and the allocator may hold on to memory).
RENDERS_PER_PROCESS = 50


class RenderProcess:
    """One render process and its pipes; used by one job at a time."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tonearm.processing.render_worker", str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self.renders = 0
        if self._read() != "ready":
            raise RenderProcessDied("a render process did not start")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _died(self) -> RenderProcessDied:
        code = self.proc.wait()
        how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
        return RenderProcessDied(f"the render process ended abruptly ({how}; killed, or crashed decoding this file)")

    def _read(self):
        try:
            return read_message(self.proc.stdout)
        except (EOFError, OSError):
            raise self._died() from None

    def render(self, request) -> tuple[str, object]:
        """("ok", RenderResult) or ("error", the exception the render raised)."""
        self.renders += 1
        try:
            write_message(self.proc.stdin, request)
        except (BrokenPipeError, OSError):
            raise self._died() from None
        return self._read()

    @property
    def usable(self) -> bool:
        return self.proc.poll() is None and self.renders < RENDERS_PER_PROCESS

    def close(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_lock = threading.Lock()
_idle: list[RenderProcess] = []
_busy: set[RenderProcess] = set()


def _take() -> RenderProcess:
    with _lock:
        found = _idle.pop() if _idle else None
    worker = found if found is not None and found.usable else None
    if found is not None and worker is None:
        found.close()
    if worker is None:
        worker = RenderProcess()
    with _lock:
        _busy.add(worker)
    return worker


def _give(worker: RenderProcess, *, broken: bool = False) -> None:
    with _lock:
        _busy.discard(worker)
        if not broken and worker.usable and len(_idle) < KEEP_IDLE:
            _idle.append(worker)
            return
    worker.close()


def rendering() -> list[int]:
    """Process ids of the render processes working right now (for tests and diagnostics)."""
    with _lock:
        return sorted(w.pid for w in _busy)


def warm(count: int) -> None:
    """Start up to `count` render processes now (a worker calls this at start), so the first job
    does not wait for PyAV's import."""
    started = []
    try:
        for _ in range(min(count, KEEP_IDLE)):
            started.append(_take())
    except Exception:  # noqa: BLE001 - warming is an optimisation; the first render will say what is wrong
        log.warning("could not start a render process", exc_info=True)
    for worker in started:
        _give(worker)


def render(src, specs, *, workdir, info, isolation: str = "process"):
    """`media.render(src, specs, ...)`, in a render process unless `isolation` is "thread".
    Media errors come back as they were raised; a process that died raises RenderProcessDied."""
    if isolation == "thread":
        from tonearm.media import render as render_here

        return render_here(src, specs, workdir=workdir, info=info)
    worker = _take()
    try:
        status, value = worker.render((src, specs, workdir, info))
    except BaseException:  # died, or interrupted mid-exchange: never reused
        _give(worker, broken=True)
        raise
    _give(worker)
    if status == "error":
        raise value
    return value
