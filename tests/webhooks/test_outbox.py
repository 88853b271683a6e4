"""The outbox: backoff and jitter stored in next_attempt_at, the sweep, the claim as a lease."""

from __future__ import annotations

import random
import threading
import uuid

import pytest

from tests.receiver import Receiver
from tests.webhooks.outbox_helpers import add_row, ago, read_row, set_row
from tonearm.jobs.queue import MemoryQueue
from tonearm.runtime import build_runtime
from tonearm.webhooks import outbox
from tonearm.webhooks.tasks import deliver, sweep


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def rt(settings):
    return build_runtime(settings, queue=MemoryQueue())


def test_jitter_stays_within_its_bounds():
    draws = [outbox.jittered(10.0, random.Random(seed)) for seed in range(200)]
    assert all(10.0 <= d <= 10.0 * (1 + outbox.JITTER) for d in draws)
    assert max(draws) - min(draws) > 1.0  # it does spread
    assert outbox.backoff(type("S", (), {"webhook_retry_base_seconds": 10.0}), 40) == outbox.MAX_BACKOFF


def test_failed_attempts_store_exponential_backoff_with_jitter(settings, org, rt, receiver):
    settings.webhook_max_attempts = 4
    receiver.statuses = [500, 502, 503, 500]
    did = add_row(settings, org.id, receiver.url, next_attempt_at=ago(0))
    base = settings.webhook_retry_base_seconds
    for attempt in (1, 2, 3):
        deliver(rt, did)
        row = read_row(settings, did)
        assert row.status == "pending" and row.attempts == attempt and row.last_error.startswith("HTTP 5")
        assert row.delivered_at is None and row.last_attempt_at > ago(5)
        nominal = base * 2 ** (attempt - 1)
        gap = (row.next_attempt_at - row.last_attempt_at).total_seconds()
        assert nominal <= gap <= nominal * (1 + outbox.JITTER) + 2, (attempt, gap)
    # The queue message is a hint at the nominal time; the row says when the sweep steps in.
    assert rt.queue.delays == [base, base * 2, base * 4]
    deliver(rt, did)
    row = read_row(settings, did)
    assert row.status == "failed" and row.attempts == 4 and row.next_attempt_at is None
    assert len(receiver.requests) == 4
    assert {h["X-Tonearm-Delivery"] for h, _ in receiver.requests} == {did}  # one id across retries


def test_sweep_waits_for_next_attempt_at(settings, org, rt, receiver):
    receiver.statuses = [500]
    did = add_row(settings, org.id, receiver.url)  # next_attempt_at NULL (rows from before the outbox): due
    sweep(rt)
    assert len(receiver.requests) == 1
    assert read_row(settings, did).next_attempt_at > ago(-5)  # retry ≥ 10 s ahead
    sweep(rt)
    assert len(receiver.requests) == 1  # not due yet
    set_row(settings, did, next_attempt_at=ago(1))
    sweep(rt)
    row = read_row(settings, did)
    assert len(receiver.requests) == 2 and row.status == "delivered" and row.attempts == 2
    assert row.delivered_at is not None and row.next_attempt_at is None and row.last_status_code == 200


def test_a_claim_is_a_lease_and_an_expired_one_is_sent_again(settings, org, rt, receiver):
    did = add_row(settings, org.id, receiver.url, next_attempt_at=ago(1))
    dead = outbox.claim(rt, uuid.UUID(did), due_only=True)  # a worker takes it, then dies mid-send
    assert dead is not None and dead.attempt == 1
    row = read_row(settings, did)
    lease = settings.webhook_timeout_seconds + outbox.LEASE_MARGIN
    assert row.status == "sending" and row.next_attempt_at > ago(-(lease - 2))
    assert outbox.claim(rt, uuid.UUID(did), due_only=False) is None  # a queue message finds it taken
    deliver(rt, did)
    sweep(rt)
    assert receiver.requests == []
    set_row(settings, did, next_attempt_at=ago(1))  # the lease runs out
    sweep(rt)
    (headers, _body), = receiver.requests
    assert headers["X-Tonearm-Delivery"] == did
    row = read_row(settings, did)
    assert row.status == "delivered" and row.attempts == 1  # the lost attempt never finished
    # The dead worker's late outcome is not applied over the newer claim's.
    assert outbox.record(rt, dead, status_code=500, error="HTTP 500") is None
    assert read_row(settings, did).status == "delivered"


def test_concurrent_claims_have_one_winner(settings, org, rt, receiver):
    did = uuid.UUID(add_row(settings, org.id, receiver.url, next_attempt_at=ago(1)))
    barrier = threading.Barrier(6)
    wins = []

    def race():
        barrier.wait()
        wins.append(outbox.claim(rt, did, due_only=True))

    threads = [threading.Thread(target=race) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(wins) == 6 and len([w for w in wins if w is not None]) == 1


def test_due_caps_rows_per_receiver(settings, org, rt):
    for _ in range(outbox.PER_URL + 5):
        add_row(settings, org.id, "http://127.0.0.1:9/slow", next_attempt_at=ago(60))
    other = add_row(settings, org.id, "http://127.0.0.1:9/other", next_attempt_at=ago(1))
    add_row(settings, org.id, "http://127.0.0.1:9/later", next_attempt_at=ago(-60))
    with rt.unit() as db:
        rows = outbox.due(db)
    urls = [url for _, url in rows]
    assert urls.count("http://127.0.0.1:9/slow") == outbox.PER_URL
    assert str(rows[-1][0]) == other and "http://127.0.0.1:9/later" not in urls


def test_a_database_outage_skips_quietly(tmp_path, caplog):
    """No exception reaches the sweeper or the consumer (they would log a traceback): a warning,
    and the rows stay due for the next sweep."""
    from tests.e2e.server import free_port
    from tonearm.settings import Settings
    from tonearm.webhooks.sender import attempt

    away = Settings(data_dir=tmp_path, database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x",
                    secret_key="s", queue_url="memory://")
    rt = build_runtime(away, queue=MemoryQueue())
    sweep(rt)
    deliver(rt, str(uuid.uuid4()))
    attempt(rt, uuid.uuid4(), due_only=True)
    warnings = [r for r in caplog.records if r.name == "tonearm.webhooks"]
    assert len(warnings) == 3 and all("database unavailable" in r.getMessage() and not r.exc_info for r in warnings)
