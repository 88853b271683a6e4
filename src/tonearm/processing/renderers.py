"""Each render runs in a process of its own (TONEARM_RENDER_ISOLATION=process, the default).

Why: a render is several threads (decoder, encoders, meters) that hand frames to each other
through Python. Two renders in one process share one GIL, and measured on 2 cores two 4-minute
tracks took 9.0 s side by side in threads against 6.3 s in two processes (same CPU-seconds). A
process per render also keeps a crash of FFmpeg on a hostile file (a segfault, an abort, the
OOM killer) inside that render: the consumer survives and the job is retried like any other
failure, then ends in `error` with the reason.

How: a small stock of single-process executors started through a forkserver that has
`tonearm.media` imported already (a new render process is a fork of it: milliseconds, not the
half second of importing PyAV). A render takes an executor from the stock and gives it back;
one that died is thrown away, never reused, so a crash touches only its own render. `thread`
renders in the calling thread, as before (what the tests of the media layer use directly).
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import threading
from concurrent.futures.process import BrokenProcessPool

from tonearm.media import render as render_here
from tonearm.processing.faults import RenderProcessDied

log = logging.getLogger("tonearm.processing")

#: How many idle render processes are kept warm; more may run at once (one per running job).
KEEP_IDLE = 4
#: A render process is replaced after this many renders (FFmpeg and the allocator may hold on to memory).
RENDERS_PER_PROCESS = 50


_lock = threading.Lock()
_idle: list[cf.ProcessPoolExecutor] = []
_busy: set[cf.ProcessPoolExecutor] = set()
_context = None


def _mp_context():
    global _context
    if _context is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["tonearm.media"])
        _context = ctx
    return _context


def _take() -> cf.ProcessPoolExecutor:
    with _lock:
        executor = _idle.pop() if _idle else None
        ctx = _mp_context()
    if executor is None:
        executor = cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx, max_tasks_per_child=RENDERS_PER_PROCESS)
    with _lock:
        _busy.add(executor)
    return executor


def _give(executor: cf.ProcessPoolExecutor, *, broken: bool = False) -> None:
    with _lock:
        _busy.discard(executor)
        if not broken and len(_idle) < KEEP_IDLE:
            _idle.append(executor)
            return
    executor.shutdown(wait=False)


def rendering() -> list[int]:
    """Process ids of the render processes working right now (for tests and diagnostics)."""
    with _lock:
        return sorted(pid for ex in _busy for pid in (getattr(ex, "_processes", None) or {}))


def _nothing() -> None:
    return None


def warm(count: int) -> None:
    """Start `count` render processes now (a consumer calls this at start), so the first job does
    not wait for the forkserver and PyAV's import."""
    started = [_take() for _ in range(min(count, KEEP_IDLE))]
    try:
        for executor in started:
            executor.submit(_nothing).result(timeout=120)
    except Exception:  # noqa: BLE001 - warming is an optimisation; the first render will say what is wrong
        log.warning("could not start a render process", exc_info=True)
    for executor in started:
        _give(executor)


def render(src, specs, *, workdir, info, isolation: str = "process"):
    """`media.render(src, specs, ...)`, in a render process unless `isolation` is "thread".
    Media errors come back as they were raised; a process that died raises RenderProcessDied."""
    if isolation == "thread":
        return render_here(src, specs, workdir=workdir, info=info)
    executor = _take()
    try:
        result = executor.submit(render_here, src, specs, workdir=workdir, info=info).result()
    except BrokenProcessPool as exc:
        _give(executor, broken=True)
        raise RenderProcessDied("the render process ended abruptly (killed, or crashed decoding this file)") from exc
    except BaseException:
        _give(executor)  # an exception raised by the render itself: the process is fine
        raise
    _give(executor)
    return result
