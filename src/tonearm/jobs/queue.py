"""The queue port: `enqueue(name, id)`. The database stays the source of truth; the queue is a hint.

Backends by TONEARM_QUEUE_URL:
- `huey-sqlite:///path/queue.db` (default): huey on SQLite, on this machine only; the consumer
  runs inside `tonearm serve` (or as `tonearm worker` on the same machine).
- `redis://host:port/db[?queue=NAME]`: huey on Redis (jobs/backends.py); consumers are
  `tonearm worker` processes on any machine.
- `postgresql://user@host:port/db[?queue=NAME]`: huey's SQL storage on PostgreSQL
  (`FOR UPDATE SKIP LOCKED`), for deployments that want no Redis.
- `memory://`: records jobs in a list (tests that inspect what was enqueued).
- `immediate://`: runs the job body inline after the request (tests, tiny deployments).

An enqueue that fails (queue server down) is logged and counted, never raised: the row it names
is already committed, and the reaper (`processing.reap`) re-enqueues work nobody picked up.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Protocol

from tonearm.jobs import metrics
from tonearm.jobs.runtime import Runtime, TaskTable
from tonearm.jobs.schemes import EXTERNAL_SCHEMES, is_external  # noqa: F401 (re-exported)
from tonearm.settings import Settings

log = logging.getLogger("tonearm.jobs")


class Queue(Protocol):
    def enqueue(self, name: str, obj_id: str, delay: float = 0) -> str | None: ...

    def bind(self, runtime: Runtime, tasks: TaskTable) -> None:
        """Learn the job bodies and the runtime they receive (the entry point calls this once)."""


class MemoryQueue:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, str]] = []
        self.delays: list[float] = []
        self._lock = threading.Lock()

    def bind(self, runtime: Runtime, tasks: TaskTable) -> None:
        pass  # records only; tests run what they find

    def enqueue(self, name: str, obj_id: str, delay: float = 0) -> str:
        with self._lock:
            self.jobs.append((name, obj_id))
            self.delays.append(delay)
        return str(uuid.uuid4())


class ImmediateQueue:
    """Run the body in the calling thread (errors are logged, never raised to the caller)."""

    def __init__(self) -> None:
        self._runtime: Runtime | None = None
        self._tasks = TaskTable()

    def bind(self, runtime: Runtime, tasks: TaskTable) -> None:
        self._runtime, self._tasks = runtime, tasks

    def enqueue(self, name: str, obj_id: str, delay: float = 0) -> str:
        if delay:  # retries are not run inline; the reaper or a later run picks them up
            return str(uuid.uuid4())
        body = self._tasks.jobs.get(name)
        if body is None or self._runtime is None:
            log.warning("no job body for %s", name)
        else:
            try:
                body(self._runtime, obj_id)
            except Exception:
                log.exception("job %s(%s) failed", name, obj_id)
        return str(uuid.uuid4())


def _instrumented(name: str, body, runtime: Runtime):
    def run(obj_id: str) -> None:
        with metrics.running(name):
            body(runtime, obj_id)

    run.__name__ = run.__qualname__ = name.replace(".", "_")
    return run


class HueyQueue:
    """The port over a huey instance (SQLite, Redis or PostgreSQL storage)."""

    def __init__(self, huey, *, external: bool = False) -> None:
        self.huey = huey
        self.external = external
        self._tasks: dict = {}
        self._runtime: Runtime | None = None
        self._table = TaskTable()

    def bind(self, runtime: Runtime, tasks: TaskTable) -> None:
        self._runtime, self._table = runtime, tasks
        self._tasks = {name: self.huey.task(name=name, retries=0)(_instrumented(name, body, runtime))
                       for name, body in tasks.jobs.items()}

    def enqueue(self, name: str, obj_id: str, delay: float = 0) -> str | None:
        task = self._tasks.get(name)
        if task is None:
            log.warning("no job body for %s", name)
            return None
        job_id = uuid.uuid4().hex
        try:
            if delay:
                task.schedule(args=(obj_id,), delay=delay, id=job_id)
            else:
                instance = task.s(obj_id)
                job_id = instance.id
                self.huey.enqueue(instance)
        except Exception as exc:  # an outage must not fail the request: the row is the truth
            metrics.enqueue_failed(name)
            log.warning("queue unavailable, %s(%s) not enqueued (the reaper will retry): %s: %s",
                        name, obj_id, type(exc).__name__, exc)
            return None
        metrics.enqueued(name)
        return job_id

    def start_consumer(self, workers: int = 2, *, reap_interval: float = 30.0):
        from tonearm.jobs.consumer import start

        if self._runtime is None:
            raise RuntimeError("bind the queue to a runtime before starting a consumer")
        return start(self, self._runtime, self._table.periodic, workers=workers, reap_interval=reap_interval)


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
    if url.startswith(("redis://", "rediss://")):
        from tonearm.jobs.backends import redis_huey

        return HueyQueue(redis_huey(url), external=True)
    if url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        from tonearm.jobs.backends import postgres_huey

        return HueyQueue(postgres_huey("postgresql://" + url.split("://", 1)[1]), external=True)
    raise ValueError(f"unsupported TONEARM_QUEUE_URL: {url!r}")
