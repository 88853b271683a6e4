"""Sending happens off the consumer's threads: a receiver that hangs delays neither a delivery to
another receiver nor the next job; at most `per_key` calls go to one receiver at a time."""

from __future__ import annotations

import threading
import time

import pytest

from tests.fixtures import sqlite_database_url  # noqa: F401  (one backend: this is about threads)
from tests.webhooks.outbox_helpers import add_row, read_row
from tests.webhooks.receivers import SlowReceiver
from tonearm.jobs.offload import Offload
from tonearm.jobs.runtime import TaskTable
from tonearm.runtime import build_runtime
from tonearm.tasks import TASKS
from tonearm.webhooks.sender import endpoint


def test_offload_limits_each_key_and_a_stuck_key_holds_only_itself():
    pool = Offload(3, per_key=2)
    gate, ran, lock = threading.Event(), [], threading.Lock()

    def call(name, wait=False):
        def fn():
            with lock:
                ran.append(name)
            if wait:
                gate.wait(10)
        return fn

    try:
        assert pool.submit("stuck", "s1", call("s1", True)) and pool.submit("stuck", "s2", call("s2", True))
        assert pool.submit("stuck", "s3", call("s3", True))  # waits in line without a thread
        assert not pool.submit("stuck", "s1", call("dup"))  # a token is held once
        assert pool.submit("other", "o1", call("o1"))
        deadline = time.time() + 5
        while "o1" not in ran and time.time() < deadline:
            time.sleep(0.01)
        assert sorted(ran) == ["o1", "s1", "s2"]  # "other" ran while "stuck" holds its two slots
        gate.set()
        assert pool.wait_idle(5) and sorted(ran) == ["o1", "s1", "s2", "s3"]
    finally:
        gate.set()
        pool.close()


def test_offload_backlog_is_bounded_and_inline_runs_in_the_caller():
    pool = Offload(1, backlog=2)
    gate = threading.Event()
    try:
        assert pool.submit("k", "a", lambda: gate.wait(5)) and pool.submit("k", "b", lambda: None)
        assert not pool.submit("k", "c", lambda: None) and pool.held() == 2
    finally:
        gate.set()
        pool.close()
    seen = []
    assert Offload().submit("k", "x", lambda: seen.append(threading.current_thread()))
    assert seen == [threading.current_thread()]


def test_endpoint_is_host_and_port():
    assert endpoint("https://Hooks.Example.com/a?b") == endpoint("https://hooks.example.com:443/c") == "hooks.example.com:443"
    assert endpoint("http://127.0.0.1:8123/x") == "127.0.0.1:8123"


@pytest.fixture
def slow():
    r = SlowReceiver(delays=[30])  # the first request hangs far beyond the timeout
    yield r
    r.close()


@pytest.fixture
def fast():
    r = SlowReceiver()
    yield r
    r.close()


class Probe:
    """Stands in for a processing job: records when and on which thread it ran."""

    def __init__(self):
        self.calls: list[tuple[float, str]] = []
        self.done = threading.Event()

    def __call__(self, _rt, _obj_id):
        self.calls.append((time.monotonic(), threading.current_thread().name))
        self.done.set()


def test_a_hanging_receiver_delays_nothing_else(settings, org, slow, fast, tmp_path):
    settings.queue_url = f"huey-sqlite://{tmp_path / 'queue.db'}"
    settings.webhook_timeout_seconds = 2.0
    probe = Probe()
    rt = build_runtime(settings, tasks=TaskTable(jobs={**TASKS.jobs, "test.probe": probe}))
    assert not rt.offload.inline
    running = rt.queue.start_consumer(workers=1, reap_interval=0)  # ONE consumer thread
    try:
        hung = add_row(settings, org.id, slow.url)
        quick = add_row(settings, org.id, fast.url)
        t0 = time.monotonic()
        rt.enqueue("webhooks.deliver", hung)
        assert slow.wait_for(1, 5), "the hanging receiver never got its request"
        rt.enqueue("webhooks.deliver", quick)
        rt.enqueue("test.probe", "x")
        assert fast.wait_for(1, 5) and probe.done.wait(5)
        (arrived, _, _), = fast.requests
        (ran, thread), = probe.calls
        # both well inside the 2 s timeout the hanging request is still waiting out
        assert arrived - t0 < 1.5 and ran - t0 < 1.5, (arrived - t0, ran - t0)
        assert not thread.startswith("tonearm-offload")
        assert read_row(settings, hung).status == "sending"
        assert rt.offload.wait_idle(10)
        row = read_row(settings, hung)
        assert row.status == "pending" and row.attempts == 1 and "Timeout" in row.last_error
        assert read_row(settings, quick).status == "delivered"
    finally:
        running.stop(graceful=False)
        rt.offload.close()
