"""Request rate limits per API key and per session (play/upload), with the `limits` library.

Off by default (0 = unlimited). `TONEARM_RATE_LIMIT_KEY_PER_MINUTE` bounds every request an API key
authenticates; `TONEARM_RATE_LIMIT_SESSION_PER_MINUTE` bounds requests that a session id authorises
(play payloads, downloads, tracks added to an upload session). Counters live in memory per process,
or in Redis when `TONEARM_RATE_LIMIT_STORAGE_URL=redis://…` so several API processes share them.
Over the limit: 429 in the error envelope with `Retry-After` in seconds.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute, storage, strategies

from tonearm.errors import ApiError
from tonearm.settings import Settings


class TooManyRequests(ApiError):
    status = 429


class Limiter:
    def __init__(self, settings: Settings):
        self.key_item = RateLimitItemPerMinute(settings.rate_limit_key_per_minute) \
            if settings.rate_limit_key_per_minute > 0 else None
        self.session_item = RateLimitItemPerMinute(settings.rate_limit_session_per_minute) \
            if settings.rate_limit_session_per_minute > 0 else None
        self._limiter = None
        if self.key_item or self.session_item:
            backend = storage.storage_from_string(settings.rate_limit_storage_url or "memory://")
            self._limiter = strategies.MovingWindowRateLimiter(backend)

    def _hit(self, item, *identity: str) -> None:
        if item is None or self._limiter is None:
            return
        if self._limiter.hit(item, *identity):
            return
        stats = self._limiter.get_window_stats(item, *identity)
        retry = max(1, math.ceil(stats.reset_time - time.time()))
        raise TooManyRequests(f"Too many requests; retry in {retry} s", headers={"Retry-After": str(retry)})

    def key(self, key_id) -> None:
        self._hit(self.key_item, "key", str(key_id))

    def session(self, kind: str, session_id) -> None:
        self._hit(self.session_item, kind, str(session_id))

