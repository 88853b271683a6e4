"""Built feeds kept in memory, per process: (show, subscriber) → the bytes for one fingerprint.

A request computes the fingerprint (one aggregate query, items.fingerprint) and serves the cached
bytes while it matches; any change to the show, an episode, a track or the set of published
episodes moves it, so a stale feed is never served. Bounded by entries and by bytes."""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Built:
    etag: str
    body: bytes
    gzipped: bytes


class FeedCache:
    def __init__(self, max_entries: int = 256, max_bytes: int = 256 * 1024 * 1024):
        self._items: OrderedDict[tuple, Built] = OrderedDict()
        self._lock = threading.Lock()
        self._bytes = 0
        self.max_entries, self.max_bytes = max_entries, max_bytes

    def get(self, key: tuple, etag: str) -> Built | None:
        with self._lock:
            built = self._items.get(key)
            if built is None or built.etag != etag:
                return None
            self._items.move_to_end(key)
            return built

    def put(self, key: tuple, etag: str, body: bytes) -> Built:
        built = Built(etag, body, gzip.compress(body, compresslevel=6))
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body) + len(old.gzipped)
            self._items[key] = built
            self._bytes += len(body) + len(built.gzipped)
            while self._items and (len(self._items) > self.max_entries or self._bytes > self.max_bytes):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.body) + len(dropped.gzipped)
        return built


def of(app_state) -> FeedCache:
    """The app's feed cache (made on first use)."""
    cache = getattr(app_state, "feed_cache", None)
    if cache is None:
        cache = app_state.feed_cache = FeedCache()
    return cache
