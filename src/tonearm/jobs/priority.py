"""CPU priority for job work, so that request handling outranks encoding on a shared machine.

On Linux the nice value belongs to a thread (a kernel task), not to the process, and a thread or
process inherits it from the thread that creates it. `lower()` therefore changes the calling
thread only; called first thing in a fresh process, before any thread starts, it covers every
thread the process will have: huey's workers, the lease heartbeats, the encoder threads of
media.render and any thread FFmpeg starts for itself.
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
    """Add `increment` to the calling thread's nice value (never lowers it; the kernel caps it at
    19). Returns the nice value now in force."""
    if increment > 0:
        os.nice(increment)
    return os.getpriority(os.PRIO_PROCESS, 0)


def thread_nice(tid: int | None = None) -> int:
    """The nice value of one thread of this process (default: the calling one), as the kernel
    reports it in /proc/self/task/<tid>/stat (field 19)."""
    tid = threading.get_native_id() if tid is None else tid
    with open(f"/proc/self/task/{tid}/stat") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[16])


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
