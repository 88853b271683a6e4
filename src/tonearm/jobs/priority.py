"""CPU priority for job work, so that request handling outranks encoding on a shared machine.

On Linux the nice value and the scheduling policy belong to a thread (a kernel task), not to the
process, and a thread or process inherits both from the thread that creates it. `lower()`
therefore changes the calling thread only; called first thing in a fresh process, before any
thread starts, it covers every thread the process will have: huey's workers, the lease
heartbeats, the encoder threads of media.render and any thread FFmpeg starts for itself.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def lower(increment: int) -> int:
    """Add `increment` to the calling thread's nice value (the kernel caps it at 19) and, where
    there is one, move it to the SCHED_BATCH policy: same share of the CPU as its nice value gives,
    but a waking batch thread does not preempt a running one, so encoder threads handing frames to
    each other do not cut into a request. Nothing changes when `increment` is 0 or less. Returns
    the nice value now in force."""
    if increment > 0:
        os.nice(increment)
        if hasattr(os, "SCHED_BATCH"):
            try:
                os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
            except OSError:  # a sandbox that forbids it: the nice value alone still helps
                pass
    return os.getpriority(os.PRIO_PROCESS, 0)


def die_with_parent(parent_pid: int, watch_fd: int | None = None) -> None:
    """End this process as soon as `parent_pid` is gone, however it died (SIGKILL included).

    Linux: the kernel sends SIGKILL when the parent thread that started us exits
    (prctl PR_SET_PDEATHSIG). Everywhere: a daemon thread reads `watch_fd`, a pipe whose write
    end only the parent holds, and leaves when it reaches end of file. Work in progress is lost
    either way, as it would be with the consumer inside the parent; leases bring it back."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)
    if watch_fd is not None:
        threading.Thread(target=_watch, args=(watch_fd,), name="tonearm-parent-watch", daemon=True).start()


def _watch(fd: int) -> None:
    try:
        while os.read(fd, 64):
            pass
    except OSError:
        pass
    os._exit(1)
