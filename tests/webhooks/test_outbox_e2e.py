"""At-least-once against real processes: an API (`tonearm serve --no-worker`), `tonearm worker`
processes and a private Redis. The queue is flushed before any worker ran, and a worker is
SIGKILLed mid-send: every delivery still arrives, under its one delivery id."""

from __future__ import annotations

import os
import signal
import time
import uuid

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.jobs.redis_server import REDIS_SERVER, RedisServer
from tests.webhooks.outbox_helpers import add_row
from tests.webhooks.receivers import SlowReceiver
from tonearm.settings import Settings


@pytest.fixture
def redis_server(tmp_path):
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def _statuses(srv) -> dict[str, dict]:
    body = httpx.get(f"{srv.url}/v1/webhook_delivery", headers=srv.headers, timeout=5).json()
    return {d["id"]: d for d in body["webhook_deliveries"]}


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _kill(proc) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)


def test_flushed_queue_and_killed_worker_lose_nothing(tmp_path, redis_server):
    env = {"TONEARM_QUEUE_URL": redis_server.url, "TONEARM_REAP_INTERVAL_SECONDS": "1",
           "TONEARM_WEBHOOK_TIMEOUT_SECONDS": "3"}
    fast, hang = SlowReceiver(), SlowReceiver(delays=[60])  # hang: the first request never answers
    srv = ServerProcess(tmp_path / "data", env=env, args=["--no-worker"]).start()
    workers = []
    try:
        org_id = httpx.post(f"{srv.url}/v1/collection", json={"title": "hooks"},
                            headers=srv.headers).json()["collection"]["organization_id"]
        settings = Settings(data_dir=tmp_path / "data")
        ids = [add_row(settings, uuid.UUID(org_id), r.url, status="failed", attempts=6) for r in (fast, hang)]
        for did in ids:  # committed, and enqueued in Redis ...
            assert httpx.post(f"{srv.url}/v1/webhook_delivery/{did}/redeliver", headers=srv.headers).status_code == 200
        client = redis_server.client()
        assert client.dbsize() > 0
        client.flushall()  # ... and the queue forgets (a Redis restart without persistence)

        workers.append(srv.start_worker(tmp_path / "worker1.log", concurrency=1))
        assert fast.wait_for(1, 20), "the sweep never sent the delivery the queue lost"
        assert hang.wait_for(1, 10), "the second delivery was never attempted"
        _wait(lambda: _statuses(srv)[ids[0]]["status"] == "delivered", 2.5, "the first outcome recorded")
        _kill(workers[0])  # SIGKILL while its POST to `hang` is in flight: the row keeps its lease
        assert _statuses(srv)[ids[1]]["status"] == "sending"

        workers.append(srv.start_worker(tmp_path / "worker2.log", concurrency=1))
        # the lease (timeout 3 s + 5 s margin) runs out, the new worker's sweep sends it again
        _wait(lambda: _statuses(srv)[ids[1]]["status"] == "delivered", 25, "the redelivery after the kill")
        rows = _statuses(srv)
        assert rows[ids[0]]["status"] == "delivered" and rows[ids[0]]["attempts"] == 1
        assert rows[ids[1]]["attempts"] == 1  # the killed attempt never finished
        assert fast.ids() == [ids[0]] and hang.ids() == [ids[1], ids[1]]  # at least once, one id
    finally:
        for proc in workers:
            _kill(proc)
        srv.stop()
        fast.close()
        hang.close()
