"""A job consumer in a child process, so listeners come first.

`tonearm serve` on the embedded queue used to run its consumer as threads beside uvicorn: the
encoders and the request handlers then shared one interpreter lock and the same CPU priority, and
a play session waited behind the encoding of an album. The child process has its own interpreter
and runs `TONEARM_WORKER_NICE` nice levels below the server, under SCHED_BATCH (priority.lower;
docs/performance.md has the figures).

`ChildConsumer` is the parent's side: it starts the child from a supervisor thread, starts it
again when it dies on its own (1 s, then doubling up to 30 s while it keeps dying young), and
stops it with SIGTERM (running jobs finish) or SIGKILL. The child watches the parent: it is
killed when the parent dies (see priority.die_with_parent). The command it runs is the CLI's
(tonearm.cli.consumer), which builds its own Runtime.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time

log = logging.getLogger("tonearm.jobs")

FIRST_DELAY, MAX_DELAY, HEALTHY_AFTER = 1.0, 30.0, 60.0


class ChildConsumer:
    def __init__(self, command: list[str], *, first_delay: float = FIRST_DELAY) -> None:
        self.command = command
        self.first_delay = first_delay
        self.proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="tonearm-consumer-supervisor", daemon=True)

    @property
    def pid(self) -> int | None:
        proc = self.proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def start(self) -> "ChildConsumer":
        self._thread.start()
        self._started.wait(30)
        return self

    def _spawn(self) -> subprocess.Popen | None:
        # The supervisor thread starts every child: PR_SET_PDEATHSIG fires when the thread that
        # forked the child ends, and this one lives until stop(). stdin is the pipe the child
        # watches; its own process group keeps a terminal's Ctrl-C for the parent, which relays it.
        with self._lock:
            if self._stopping.is_set():
                return None
            self.proc = subprocess.Popen([*self.command, "--parent-pid", str(os.getpid())],
                                         stdin=subprocess.PIPE, close_fds=True, process_group=0)
            return self.proc

    def _supervise(self) -> None:
        delay = self.first_delay
        while True:
            began = time.monotonic()
            ended = self._run_once()
            if ended is None or self._stopping.is_set():
                return
            if time.monotonic() - began > HEALTHY_AFTER:
                delay = self.first_delay
            log.error("the job consumer %s; starting it again in %.0f s", ended, delay)
            if self._stopping.wait(delay):
                return
            delay = min(MAX_DELAY, delay * 2)

    def _run_once(self) -> str | None:
        """Start a child and wait for it to end: how it ended, or None when stopping."""
        try:
            proc = self._spawn()
        except OSError as exc:
            return f"could not start: {type(exc).__name__}: {exc}"
        finally:
            self._started.set()
        if proc is None:
            return None
        code = proc.wait()
        proc.stdin.close()
        _forget_metrics(proc.pid)
        return f"(pid {proc.pid}) exited with {code}"

    def stop(self, graceful: bool = True, timeout: float | None = None) -> None:
        """SIGTERM (graceful: the child finishes its running jobs) or SIGKILL, and wait for it.
        Past `timeout` seconds the child is killed."""
        with self._lock:
            self._stopping.set()
            proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM if graceful else signal.SIGKILL)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._thread.is_alive():
            self._thread.join(10)


def _forget_metrics(pid: int) -> None:
    """A dead child's live gauges (jobs running) must leave the shared multiprocess metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
