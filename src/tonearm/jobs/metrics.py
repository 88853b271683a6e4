"""Prometheus metrics of the job side: enqueues, running and failed jobs, processing speed.

prometheus-client picks its value store when it is first imported: with PROMETHEUS_MULTIPROC_DIR
set (`tonearm serve --workers N` sets it under the data dir), every process writes its samples to
files there and `/metrics` adds them up. Gauges use `livesum` so dead processes drop out once
their files are removed (the directory is wiped when `serve` starts).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

ENQUEUED = Counter("tonearm_jobs_enqueued_total", "Jobs handed to the queue", ["job"])
ENQUEUE_FAILED = Counter(
    "tonearm_jobs_enqueue_failed_total",
    "Jobs the queue refused (outage); the database row stays and the reaper re-enqueues it",
    ["job"],
)
STARTED = Counter("tonearm_jobs_started_total", "Job bodies started by a consumer", ["job"])
FAILED = Counter("tonearm_jobs_failed_total", "Job bodies that raised", ["job"])
RUNNING = Gauge("tonearm_jobs_running", "Job bodies running now", ["job"], multiprocess_mode="livesum")
DURATION = Histogram(
    "tonearm_job_duration_seconds", "Wall time of job bodies", ["job"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800),
)
TRACKS_FINISHED = Counter("tonearm_tracks_finished_total", "Tracks that reached a terminal status", ["status"])
# Wall-clock seconds of processing per second of audio (lower is faster; 0.05 = 20x realtime).
REALTIME_FACTOR = Histogram(
    "tonearm_processing_seconds_per_audio_second",
    "Processing wall time divided by the track's duration",
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
)

_local = threading.local()


def enqueued(job: str) -> None:
    ENQUEUED.labels(job).inc()


def enqueue_failed(job: str) -> None:
    ENQUEUE_FAILED.labels(job).inc()


@contextmanager
def running(job: str):
    """Count and time one job body; remember its start for `track_finished`."""
    STARTED.labels(job).inc()
    gauge = RUNNING.labels(job)
    gauge.inc()
    outer = getattr(_local, "started", None)
    _local.started = start = time.perf_counter()
    try:
        yield
    except BaseException:
        FAILED.labels(job).inc()
        raise
    finally:
        gauge.dec()
        DURATION.labels(job).observe(time.perf_counter() - start)
        _local.started = outer


def track_finished(status: str, audio_seconds: float | None) -> None:
    """Called once per terminal status (processing/run.py `finish`); `audio_seconds` only when the run
    made something playable, so the speed histogram leaves failures out."""
    TRACKS_FINISHED.labels(status).inc()
    started = getattr(_local, "started", None)
    if started is not None and audio_seconds and audio_seconds > 0:
        REALTIME_FACTOR.observe((time.perf_counter() - started) / audio_seconds)
