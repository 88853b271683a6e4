"""Queue backends against real servers: a private redis-server, the PostgreSQL test database."""

from __future__ import annotations

import threading
import uuid

import pytest

from tests.jobs.redis_server import REDIS_SERVER, RedisServer


@pytest.fixture
def redis_server(tmp_path):
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def pg_queue_url():
    from tests.conftest import _pg_database

    url = _pg_database()  # the run's private database (postgresql+psycopg://…)
    return f"{url}?queue=test-{uuid.uuid4().hex[:8]}"


class Recorder:
    """A job body that records its calls, so a test can wait for them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, str]] = []
        self.cond = threading.Condition()

    def __call__(self, _runtime, obj_id: str) -> None:
        import time

        with self.cond:
            self.calls.append((obj_id, time.time(), threading.current_thread().name))
            self.cond.notify_all()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[str]:
        with self.cond:
            self.cond.wait_for(lambda: len(self.calls) >= count, timeout)
            return [c[0] for c in self.calls]


@pytest.fixture
def recorder():
    return Recorder()
