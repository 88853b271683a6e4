"""What a byte-serving route knows about one request, handed to `record_delivery`."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DeliveryFacts:
    """One byte-serving request, as the route saw it.

    Name the file by `storage_key` (the `/d/` routes) or by `track_id` + `variant` (a variant
    index such as "hq"); `range_start` and `bytes_sent` are the bytes that actually left (a 200
    starts at 0); `client` is the peer address and `forwarded_for` the raw `X-Forwarded-For`
    header — the recorder decides which to believe (trusted proxies) and keeps neither."""

    status: int
    bytes_sent: int
    method: str = "GET"
    storage_key: str | None = None
    track_id: uuid.UUID | None = None
    variant: str | None = None
    range_header: str | None = None
    range_start: int = 0
    user_agent: str = ""
    client: str | None = None
    forwarded_for: str | None = None
    play_session_id: uuid.UUID | None = None
    feed_token: str | None = None  # a podcast subscriber token; stored only as a keyed digest
    at: float = field(default_factory=time.time)

    @classmethod
    def from_request(cls, request, **facts) -> "DeliveryFacts":
        """Facts with the request's user agent, peer, `X-Forwarded-For` and `Range` filled in."""
        headers = request.headers
        client = request.client.host if request.client else None
        return cls(user_agent=headers.get("user-agent", ""), client=client,
                   forwarded_for=headers.get("x-forwarded-for"), range_header=headers.get("range"), **facts)


@dataclass(frozen=True)
class PlayerFacts:
    """One player event for a track of a play session (already checked by the route)."""

    kind: str
    track_id: uuid.UUID
    play_session_id: uuid.UUID
    startup_ms: int | None = None
    listened_seconds: float = 0.0
    error_code: int | None = None
    user_agent: str = ""
    client: str | None = None
    forwarded_for: str | None = None
    at: float = field(default_factory=time.time)
