"""The recorder never blocks a request: a full buffer drops events and counts them."""

from __future__ import annotations

import threading

from prometheus_client import REGISTRY

from tonearm.analytics import DeliveryFacts
from tonearm.analytics.recorder import Recorder
from tonearm.runtime import build_runtime


def _dropped() -> float:
    return REGISTRY.get_sample_value("tonearm_analytics_events_dropped_total", {"reason": "buffer_full"}) or 0.0


def test_a_slow_store_makes_the_buffer_drop_with_a_counter_instead_of_blocking(settings, queue):
    settings.analytics_buffer_size, settings.analytics_batch_size, settings.analytics_flush_seconds = 10, 5, 600
    rt = build_runtime(settings, queue=queue)
    release, entered, stored = threading.Event(), threading.Event(), []

    def slow_store(items):  # a database that hangs until released
        entered.set()
        release.wait(30)
        stored.extend(items)

    rec = Recorder(rt, store=slow_store)
    before = _dropped()
    facts = DeliveryFacts(status=206, bytes_sent=1, storage_key="tracks/0123456789abcdef/lq.mp3")
    accepted = [rec.offer(facts) for _ in range(5)]  # a full batch wakes the writer, which hangs
    assert entered.wait(30)
    accepted += [rec.offer(facts) for _ in range(100)]  # returns at once although the store hangs
    assert accepted.count(True) == 15  # 5 taken by the hung writer + 10 buffered
    assert _dropped() - before == 90
    release.set()
    rec.flush()
    assert len(stored) == 15
    assert rec.pending() == 0


def test_a_failing_store_loses_only_its_batch(settings, queue):
    rt = build_runtime(settings, queue=queue)
    calls = []

    def broken(items):
        calls.append(len(items))
        raise RuntimeError("database away")

    rec = Recorder(rt, store=broken)
    rec.offer(DeliveryFacts(status=200, bytes_sent=1))
    rec.flush()
    assert calls == [1] and rec.pending() == 0
    assert (REGISTRY.get_sample_value("tonearm_analytics_events_dropped_total", {"reason": "store_failed"}) or 0) >= 1
