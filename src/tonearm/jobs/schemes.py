"""Which queue URLs name a queue outside this machine. Imports nothing: `tonearm serve` asks before
prometheus-client may be imported (its multiprocess mode must be chosen first)."""

from __future__ import annotations

EXTERNAL_SCHEMES = ("redis://", "rediss://", "postgresql://", "postgresql+psycopg://", "postgres://")


def is_external(queue_url: str) -> bool:
    """True when the queue lives outside this machine's data dir (workers may run anywhere)."""
    return queue_url.startswith(EXTERNAL_SCHEMES)
