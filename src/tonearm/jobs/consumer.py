"""Run huey's consumer in this process (threads), plus the sweeper that runs the periodic bodies.

The sweeper replaces huey's minute-granular periodic tasks: it runs every `reap_interval`
seconds (TONEARM_REAP_INTERVAL_SECONDS, with a little jitter so several workers spread out),
and once a second after start, so work a dead process left behind is picked up right away.
Every worker runs it; that is harmless because re-enqueued jobs first claim a lease in the
database and a second copy of a message finds nothing to do.
"""

from __future__ import annotations

import logging
import random
import threading

from tonearm.jobs import metrics
from tonearm.jobs.runtime import PeriodicBody, Runtime

log = logging.getLogger("tonearm.jobs")


class Sweeper(threading.Thread):
    def __init__(self, runtime: Runtime, bodies: dict[str, PeriodicBody], interval: float, first: float = 1.0) -> None:
        super().__init__(name="tonearm-sweeper", daemon=True)
        self.runtime = runtime
        self.bodies = dict(bodies)
        self.interval = max(0.5, float(interval))
        self.first = first
        self.stopped = threading.Event()

    def run(self) -> None:
        wait = self.first
        while not self.stopped.wait(wait):
            for name, body in self.bodies.items():
                try:
                    with metrics.running(name):
                        body(self.runtime)
                except Exception:
                    log.exception("%s failed", name)
            wait = self.interval * random.uniform(0.85, 1.15)

    def stop(self) -> None:
        self.stopped.set()


class Running:
    """A started consumer and its sweeper; `stop()` ends both."""

    def __init__(self, consumer, sweeper: Sweeper | None) -> None:
        self.consumer = consumer
        self.sweeper = sweeper

    def stop(self, graceful: bool = True) -> None:
        """Stop both; gracefully, wait for the running jobs and for a sweep under way (a reap or a
        webhook sweep mid-transaction), so nothing touches the database after this returns."""
        if self.sweeper is not None:
            self.sweeper.stop()
        self.consumer.stop(graceful=graceful)
        if graceful and self.sweeper is not None and self.sweeper.is_alive():
            self.sweeper.join(timeout=60)


def start(queue, runtime: Runtime, periodic: dict[str, PeriodicBody], *, workers: int,
          reap_interval: float) -> Running:
    huey = queue.huey
    blocking = bool(getattr(huey.storage, "blocking", False))
    # Poll an idle polled queue (SQLite, PostgreSQL) at least every 0.25 / 0.5 s: huey's default
    # backs off to 10 s, which would delay the first job after a quiet spell. A blocking queue
    # (Redis BRPOP) only sleeps after errors, e.g. while the server restarts.
    max_delay = 1.0 if blocking else (0.5 if queue.external else 0.25)
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=False,
                                    check_worker_health=False, initial_delay=0.05, backoff=1.5,
                                    max_delay=max_delay)
    consumer._set_signal_handlers = lambda: None  # the host process (uvicorn, `tonearm worker`) owns signals
    consumer.start()
    sweeper = Sweeper(runtime, periodic, reap_interval) if reap_interval > 0 else None  # 0: no sweeper (tests)
    if sweeper is not None:
        sweeper.start()
    return Running(consumer, sweeper)
