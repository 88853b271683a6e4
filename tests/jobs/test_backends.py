"""The Redis and PostgreSQL queues: a consumer runs what was enqueued, once; delays hold; an
outage fails an enqueue softly (logged, counted, None) and the queue works again afterwards."""

from __future__ import annotations

import logging
import time
import uuid

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, inspect

from tonearm.jobs.queue import HueyQueue, is_external, open_queue
from tonearm.jobs.runtime import TaskTable
from tonearm.runtime import build_runtime
from tonearm.settings import Settings


def _queue(tmp_path, url: str, recorder=None) -> HueyQueue:
    """A queue bound to a runtime whose only job body is `test.record` (the recorder)."""
    settings = Settings(data_dir=tmp_path / "data", queue_url=url, secret_key="s")
    q = open_queue(settings)
    assert isinstance(q, HueyQueue) and q.external
    build_runtime(settings, queue=q, tasks=TaskTable(jobs={"test.record": recorder} if recorder else {}))
    return q


@pytest.fixture(params=["redis", "postgres"])
def queue_url(request):
    if request.param == "redis":
        return request.getfixturevalue("redis_server").url
    return request.getfixturevalue("pg_queue_url")


def test_enqueued_jobs_run_once_across_two_consumers(tmp_path, queue_url, recorder):
    producer = _queue(tmp_path, queue_url, recorder)
    consumers = [_queue(tmp_path, queue_url, recorder).start_consumer(workers=2, reap_interval=0) for _ in range(2)]
    try:
        ids = [f"job-{i}" for i in range(20)]
        for obj_id in ids:
            assert producer.enqueue("test.record", obj_id) is not None
        recorder.wait_for(20)
        time.sleep(0.5)  # room for a duplicate to show up
        assert sorted(c[0] for c in recorder.calls) == sorted(ids)
        assert len({c[2] for c in recorder.calls}) > 1  # spread over consumer threads
    finally:
        for c in consumers:
            c.stop(graceful=True)


def test_delayed_job_runs_after_its_delay(tmp_path, queue_url, recorder):
    q = _queue(tmp_path, queue_url, recorder)
    consumer = q.start_consumer(workers=1, reap_interval=0)
    try:
        sent = time.time()
        q.enqueue("test.record", "later", delay=2)
        q.enqueue("test.record", "now")
        assert recorder.wait_for(2) == ["now", "later"]
        ran = {obj_id: at for obj_id, at, _ in recorder.calls}
        assert ran["later"] - sent >= 1.9
    finally:
        consumer.stop(graceful=True)


def test_unknown_job_name_is_refused_quietly(tmp_path, queue_url):
    assert _queue(tmp_path, queue_url).enqueue("no.such.job", "x") is None


def test_postgres_queue_tables_are_prefixed(tmp_path, pg_queue_url):
    _queue(tmp_path, pg_queue_url)
    engine = create_engine(pg_queue_url.split("?")[0])
    try:
        names = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"huey_task", "huey_schedule", "huey_kv", "huey_counter"} <= names
    assert not {"task", "schedule", "kv", "counter"} & names


def _failed_count(job: str) -> float:
    return REGISTRY.get_sample_value("tonearm_jobs_enqueue_failed_total", {"job": job}) or 0.0


def test_redis_outage_fails_enqueue_softly_then_recovers(tmp_path, redis_server, recorder, caplog):
    q = _queue(tmp_path, redis_server.url, recorder)
    assert q.enqueue("test.record", "before") is not None  # the pool holds a live connection now
    redis_server.stop()
    before = _failed_count("test.record")
    with caplog.at_level(logging.WARNING, logger="tonearm.jobs"):
        assert q.enqueue("test.record", "during") is None
    assert _failed_count("test.record") == before + 1
    assert "queue unavailable" in caplog.text and "the reaper will retry" in caplog.text

    redis_server.start()  # same port, empty (no persistence): "before" is gone too
    consumer = q.start_consumer(workers=1, reap_interval=0)
    try:
        assert q.enqueue("test.record", "after") is not None
        assert recorder.wait_for(1) == ["after"]
    finally:
        consumer.stop(graceful=True)


def test_consumer_survives_a_redis_restart(tmp_path, redis_server, recorder):
    q = _queue(tmp_path, redis_server.url, recorder)
    consumer = q.start_consumer(workers=2, reap_interval=0)
    try:
        q.enqueue("test.record", "first")
        assert recorder.wait_for(1) == ["first"]
        redis_server.stop()
        time.sleep(1.5)  # consumers poll a dead server
        redis_server.start()
        deadline = time.time() + 20
        while q.enqueue("test.record", "second") is None and time.time() < deadline:
            time.sleep(0.2)
        assert recorder.wait_for(2) == ["first", "second"]
    finally:
        consumer.stop(graceful=True)


def test_queue_url_kinds():
    assert is_external("redis://h:6379/0") and is_external("postgresql://u@h/db")
    assert is_external("postgresql+psycopg://u@h/db")
    assert not is_external("huey-sqlite:///tmp/q.db") and not is_external("memory://")
    with pytest.raises(ValueError):
        open_queue(Settings(queue_url="amqp://h/", secret_key="s", data_dir="/tmp/x-" + uuid.uuid4().hex))
