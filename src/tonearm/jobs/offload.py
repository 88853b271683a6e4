"""Offload: a small, bounded pool of threads for slow outbound I/O, off the consumer's threads.

A job body that would wait on someone else's server (a webhook receiver) hands a callable to
`rt.offload.submit(key, token, fn)` and returns: the consumer thread is free for the next job at
once. At most `per_key` calls of one key (e.g. one receiver's host:port) run at a time; the others
of that key wait in line without holding a thread, so a key whose calls hang only delays itself.
A `token` already waiting or running is not taken twice, and at most `backlog` tokens are held:
a refused submit is harmless when the database row is the truth (a sweep submits it again).

`Offload()` (workers=0) runs every call inline in the caller: the embedded `immediate://` and
`memory://` queues and tests, which expect a job body to have done its work when it returns.
Threads are daemons, started on first use; a process that exits mid-call loses that call, which
the caller must tolerate (leases in the database bring the work back).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable

log = logging.getLogger("tonearm.jobs")

Call = Callable[[], None]


class Offload:
    def __init__(self, workers: int = 0, *, per_key: int = 2, backlog: int = 1000, name: str = "tonearm-offload"):
        self.workers = max(0, workers)
        self.per_key = max(1, per_key)
        self.backlog = max(1, backlog)
        self.name = name
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._ready: queue.SimpleQueue = queue.SimpleQueue()
        self._waiting: dict[str, deque[tuple[str, Call]]] = {}
        self._running: dict[str, int] = {}
        self._tokens: set[str] = set()
        self._threads: list[threading.Thread] = []
        self._closed = False

    @property
    def inline(self) -> bool:
        return self.workers == 0

    def submit(self, key: str, token: str, fn: Call) -> bool:
        """Run `fn` soon (inline: now). False when `token` is already held, the backlog is full, or closed."""
        if self.inline:
            _run(fn)
            return True
        with self._lock:
            if self._closed or token in self._tokens or len(self._tokens) >= self.backlog:
                return False
            self._tokens.add(token)
            self._start()
            if self._running.get(key, 0) < self.per_key:
                self._running[key] = self._running.get(key, 0) + 1
                self._ready.put((key, token, fn))
            else:
                self._waiting.setdefault(key, deque()).append((token, fn))
        return True

    def held(self) -> int:
        """Tokens waiting or running."""
        with self._lock:
            return len(self._tokens)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is waiting or running (tests, graceful stops)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._tokens, timeout)

    def close(self) -> None:
        """Refuse new calls and let the threads end after their current call (they are not joined)."""
        with self._lock:
            self._closed = True
            threads = len(self._threads)
        for _ in range(threads):
            self._ready.put(None)

    def _start(self) -> None:  # under the lock
        while len(self._threads) < self.workers:
            thread = threading.Thread(target=self._loop, name=f"{self.name}-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _loop(self) -> None:
        while (item := self._ready.get()) is not None:
            key, token, fn = item
            try:
                _run(fn)
            finally:
                self._done(key, token)

    def _done(self, key: str, token: str) -> None:
        with self._lock:
            self._tokens.discard(token)
            line = self._waiting.get(key)
            if line:
                next_token, fn = line.popleft()
                if not line:
                    del self._waiting[key]
                self._ready.put((key, next_token, fn))  # the key keeps its running slot
            else:
                self._running[key] -= 1
                if not self._running[key]:
                    del self._running[key]
            if not self._tokens:
                self._idle.notify_all()


def _run(fn: Call) -> None:
    try:
        fn()
    except Exception:
        log.exception("offloaded call failed")
