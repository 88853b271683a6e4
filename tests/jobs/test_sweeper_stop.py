"""A graceful stop waits for a sweep under way: nothing of the consumer touches the database after
`stop()` returns (a test's teardown truncating tables once deadlocked with a reap mid-transaction)."""

from __future__ import annotations

import threading
import time

from tonearm.jobs.consumer import Running, Sweeper


class _Huey:
    def stop(self, graceful: bool = True) -> None:
        pass


def test_graceful_stop_waits_for_the_sweep_under_way():
    inside, finished = threading.Event(), threading.Event()

    def slow_sweep(_runtime) -> None:
        inside.set()
        time.sleep(0.5)
        finished.set()

    sweeper = Sweeper(runtime=None, bodies={"slow": slow_sweep}, interval=30, first=0.01)
    sweeper.start()
    assert inside.wait(10)
    Running(_Huey(), sweeper).stop(graceful=True)
    assert finished.is_set() and not sweeper.is_alive()


def test_a_stop_that_is_not_graceful_does_not_wait():
    inside, release = threading.Event(), threading.Event()

    def stuck_sweep(_runtime) -> None:
        inside.set()
        release.wait(10)

    sweeper = Sweeper(runtime=None, bodies={"stuck": stuck_sweep}, interval=30, first=0.01)
    sweeper.start()
    assert inside.wait(10)
    started = time.monotonic()
    Running(_Huey(), sweeper).stop(graceful=False)
    assert sweeper.is_alive() and time.monotonic() - started < 5
    release.set()
    sweeper.join(10)
