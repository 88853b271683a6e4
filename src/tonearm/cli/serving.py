"""How `tonearm serve` runs its job consumer: in a child process at lower CPU priority
(TONEARM_WORKER_NICE, default 10; tonearm.jobs.child, tonearm.cli.consumer) or, with 0, as threads
in the API process; and how it stops it when a signal ends the server."""

from __future__ import annotations

import os
import signal
import sys
import threading


def warm_renderers(settings, concurrency: int) -> None:
    """Start the render processes of a consumer in the background (processing/renderers.py)."""
    if settings.render_isolation != "process":
        return
    from tonearm.processing import renderers

    threading.Thread(target=renderers.warm, args=(concurrency,), name="tonearm-warm-renderers", daemon=True).start()


def start_consumer(settings, runtime, concurrency: int, log_level: str):
    """Listeners first: with TONEARM_WORKER_NICE > 0 (default 10) the consumer is a child process
    at that many nice levels below this one, with its own interpreter and its own runtime
    (tonearm.cli.consumer); 0 puts it back in this process as threads sharing the app's runtime."""
    if settings.worker_nice <= 0:
        warm_renderers(settings, concurrency)
        return runtime.queue.start_consumer(workers=concurrency, reap_interval=settings.reap_interval_seconds)
    from tonearm.jobs.child import ChildConsumer

    return ChildConsumer([sys.executable, "-m", "tonearm.cli.consumer", "--nice", str(settings.worker_nice),
                          "--concurrency", str(concurrency), "--log-level", log_level]).start()


def consumer_words(settings, consumer) -> str:
    if consumer is None:
        return "no job consumer"
    pid = getattr(consumer, "pid", None)
    if pid is None:
        return "a job consumer"
    return f"a job consumer in process {pid} at nice +{settings.worker_nice}"


def signals_after_uvicorn() -> list[int]:
    """uvicorn raises the signal that stopped it again once it has shut down; with the default
    handlers SIGTERM would end this process there, before the consumer stops. These handlers
    record the first signal and let `serve`'s `finally` stop the consumer after its running jobs;
    a second one leaves at once (leases bring the unfinished jobs back; a child consumer dies
    with this process). Returns the list the signals are recorded in."""
    seen: list[int] = []

    def on_signal(signum, _frame):
        seen.append(signum)
        if len(seen) > 1:
            os._exit(1)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return seen


def end_as_signalled(signals: list[int]) -> None:
    """Once the consumer has stopped, end the way the signal asks, as uvicorn meant to: by its
    default action (no interpreter teardown, the exit status says which signal)."""
    if signals:
        sys.stdout.flush()
        sys.stderr.flush()
        signal.signal(signals[0], signal.SIG_DFL)
        signal.raise_signal(signals[0])


def stop_on_signals() -> threading.Event:
    """An event set by the first SIGTERM/SIGINT (let running jobs finish); a second one leaves at
    once (leases bring unfinished jobs back). For the job consumers: `tonearm worker`, the child."""
    stop = threading.Event()

    def _on_signal(*_):
        if stop.is_set():
            os._exit(1)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    return stop
