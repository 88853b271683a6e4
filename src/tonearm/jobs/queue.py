"""The queue port: `enqueue(name, id)`. The database stays the source of truth; the queue is a hint.

Backends by TONEARM_QUEUE_URL:
- `huey-sqlite:///path/queue.db` (default): huey on SQLite; the consumer runs inside `tonearm serve`
  or as `tonearm worker`.
- `memory://`: records jobs in a list (tests that inspect what was enqueued).
- `immediate://`: runs the job body inline after the request (tests, tiny deployments).
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Protocol

from tonearm.settings import Settings

log = logging.getLogger("tonearm.jobs")


class Queue(Protocol):
    def enqueue(self, name: str, obj_id: str, delay: float = 0) -> str | None: ...


class MemoryQueue:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, str]] = []
        self.delays: list[float] = []
        self._lock = threading.Lock()

    def enqueue(self, name: str, obj_id: str, delay: float = 0) -> str:
        with self._lock:
            self.jobs.append((name, obj_id))
            self.delays.append(delay)
        return str(uuid.uuid4())


class ImmediateQueue:
    """Run the body in the calling thread (errors are logged, never raised to the caller)."""

    def enqueue(self, name: str, obj_id: str, delay: float = 0) -> str:
        from tonearm.jobs.registry import load_tasks

        if delay:  # retries are not run inline; the reaper or a later run picks them up
            return str(uuid.uuid4())
        body = load_tasks().get(name)
        if body is None:
            log.warning("no job body for %s", name)
        else:
            try:
                body(obj_id)
            except Exception:
                log.exception("job %s(%s) failed", name, obj_id)
        return str(uuid.uuid4())


class HueyQueue:
    def __init__(self, huey) -> None:
        from tonearm.jobs.registry import load_tasks

        from huey import crontab

        from tonearm.jobs.registry import PERIODIC

        self.huey = huey
        self._tasks = {}
        for name, body in load_tasks().items():
            self._tasks[name] = huey.task(name=name, retries=0)(body)
        for name, body in PERIODIC.items():
            huey.periodic_task(crontab(minute="*"), name=name)(body)

    def enqueue(self, name: str, obj_id: str, delay: float = 0) -> str | None:
        task = self._tasks.get(name)
        if task is None:
            log.warning("no job body for %s", name)
            return None
        result = task.schedule(args=(obj_id,), delay=delay) if delay else task(obj_id)
        return getattr(result, "id", None)

    def start_consumer(self, workers: int = 2):
        # Poll the embedded queue at least every 0.25 s (huey's default backs off to 10 s when
        # idle, which would delay the first job after a quiet spell by seconds).
        consumer = self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                             check_worker_health=False, initial_delay=0.05, backoff=1.5,
                                             max_delay=0.25)
        consumer._set_signal_handlers = lambda: None  # the host process (uvicorn) owns signals
        consumer.start()
        # Recover work left behind by a previous process (killed worker, lost message) right away
        # rather than at the next periodic sweep.
        from tonearm.jobs.registry import PERIODIC

        reaper = PERIODIC.get("processing.reap")
        if reaper is not None:
            threading.Timer(1.0, _safe, args=(reaper,)).start()
        return consumer


def _safe(fn) -> None:
    try:
        fn()
    except Exception:
        log.exception("startup sweep failed")


def open_queue(settings: Settings) -> Queue:
    url = settings.queue_url
    if url.startswith("memory:"):
        return MemoryQueue()
    if url.startswith("immediate:"):
        return ImmediateQueue()
    if url.startswith("huey-sqlite://"):
        from huey import SqliteHuey

        path = url[len("huey-sqlite://"):]
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return HueyQueue(SqliteHuey(name="tonearm", filename=path, results=False))
    raise ValueError(f"unsupported TONEARM_QUEUE_URL: {url!r}")
