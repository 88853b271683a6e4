"""The play hot path's TTL cache: expiry, size bound, and expired entries leave without a lookup."""

from __future__ import annotations

import time

from tonearm.playback.cache import TTLCache


def test_get_put_expire_and_bound():
    c = TTLCache(max_items=3)
    c.put("a", 1, 60)
    assert c.get("a") == 1
    c.put("b", 2, 0.01)
    time.sleep(0.02)
    assert c.get("b") is None
    for k in "cdef":
        c.put(k, k, 60)
    assert len(c._items) == 3 and c.get("c") is None and c.get("f") == "f"


def test_expired_entries_are_purged_by_later_puts():
    c = TTLCache(max_items=10_000)
    for i in range(500):
        c.put(i, i, 0.001)
    time.sleep(0.01)
    for i in range(500, 1000):
        c.put(i, i, 60)
    assert len(c._items) == 500  # the expired ones went as new ones came, never looked up
